package gateway

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
)

func TestAdminReadyz(t *testing.T) {
	o := newOrigin(t, nil)
	store := &flakyStore{MemoryStore: queue.NewMemoryStore()}
	g := startGateway(t, testConfig(o.URL), store, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go g.ServeAdmin(ctx, ln, "s3cret")
	admin := "http://" + ln.Addr().String()
	get := func(path, auth string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, admin+path, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/readyz", ""); code != 200 || body != "ready\n" {
		t.Errorf("readyz with the store up: %d %q", code, body)
	}
	store.down.Store(true)
	g.clock.Advance(time.Second)
	g.Tick(context.Background())
	if code, body := get("/readyz", ""); code != 503 || !strings.Contains(body, "room shop") || !strings.Contains(body, errStoreDown.Error()) {
		t.Errorf("readyz with the store down: %d %q, want 503 naming the room and the error", code, body)
	}
	if code, _ := get("/healthz", ""); code != 200 {
		t.Errorf("healthz: %d", code)
	}
	if code, _ := get("/api/v1/rooms", ""); code != 401 {
		t.Errorf("admin API without token: %d, want 401", code)
	}
	if code, _ := get("/api/v1/rooms", "Bearer wrong"); code != 401 {
		t.Errorf("admin API with a wrong token: %d, want 401", code)
	}
}
