package demo

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"
)

// TestDemoQueueMoves runs the demo with a crowd and queues behind it as a
// newcomer would: the place in line must go down by itself, and the demo
// shop's pages must come through the gateway with a session.
func TestDemoQueueMoves(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo for several seconds")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var out strings.Builder
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, Options{Listen: addr, Crowd: 20, Out: &out, Log: slog.New(slog.DiscardHandler)})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("demo: %v", err)
		}
	}()
	base := "http://" + addr + "/"
	deadline := time.Now().Add(10 * time.Second)
	for {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("demo never listened")
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(4 * time.Second) // the crowd arrives and fills the room

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 5 * time.Second}
	first := poll(t, c, base)
	if first.State != "waiting" || first.Position == 0 {
		t.Fatalf("a newcomer behind a crowd of 20 in a room of 5: %+v", first)
	}
	for end := time.Now().Add(60 * time.Second); time.Now().Before(end); time.Sleep(time.Second) {
		st := poll(t, c, base+".anteroom/status?room=drop")
		if st.State == "admitted" || st.Ahead < first.Ahead {
			if !strings.Contains(out.String(), base) {
				t.Errorf("the demo did not print its URL: %q", out.String())
			}
			resp, err := c.Get(base + "product/console")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return
		}
	}
	t.Fatalf("the line did not move in a minute: still %+v", first)
}

type demoStatus struct {
	State    string `json:"state"`
	Position uint64 `json:"position"`
	Ahead    uint64 `json:"ahead"`
}

func poll(t *testing.T, c *http.Client, url string) demoStatus {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Accept", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var st demoStatus
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatalf("%s: %v in %q", url, err, body)
	}
	return st
}
