package gateway

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anteroom/anteroom/gateway/config"
	"github.com/anteroom/anteroom/token"
)

// reloadFile is a configuration file whose rooms section the tests
// rewrite; the rest stays, as a reload needs.
type reloadFile struct {
	t       *testing.T
	path    string
	origin  string
	secrets Secrets
}

func newReloadFile(t *testing.T, originURL string) *reloadFile {
	return &reloadFile{t: t, path: filepath.Join(t.TempDir(), "anteroom.yaml"), origin: originURL,
		secrets: Secrets{HMAC: [][]byte{testSecret}, Purchase: []ed25519.PrivateKey{testPurchaseKey()}}}
}

// write puts a file with these rooms (YAML list items) in place.
func (f *reloadFile) write(rooms string) {
	f.t.Helper()
	doc := fmt.Sprintf("listen: \"127.0.0.1:0\"\norigin: { url: %q, timeout: 5s }\nlimits: { per_client: { rps: 100000, burst: 100000 } }\nrooms:\n%s", f.origin, rooms)
	if err := os.WriteFile(f.path, []byte(doc), 0o600); err != nil {
		f.t.Fatal(err)
	}
}

func (f *reloadFile) source() (*config.Config, Secrets, error) {
	cfg, err := config.Load(f.path)
	return cfg, f.secrets, err
}

// start serves the file as it is, with reloads reading it again.
func (f *reloadFile) start() *testGateway {
	f.t.Helper()
	cfg, err := config.Load(f.path)
	if err != nil {
		f.t.Fatal(err)
	}
	return startGatewayWith(f.t, cfg, nil, nil, func(g *Gateway) { g.steer.source = f.source })
}

const shopRoom = `  - name: shop
    paths: ["/*"]
    max_active_users: %d
    new_users_per_minute: 600
    burst: 10
`

const vipRoom = `  - name: vip
    paths: ["/vip/*"]
    max_active_users: 1
    new_users_per_minute: 60
`

// TestReloadAppliesAGoodFile: a reload swaps in new limits and a new room
// while a request is in flight on a kept-alive connection: that request
// completes, the admitted shopper stays admitted, the waiting one keeps
// their ticket and place, and the new room takes arrivals; a second
// reload removes it again.
func TestReloadAppliesAGoodFile(t *testing.T) {
	release := make(chan struct{})
	o := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			<-release
		}
		fmt.Fprintf(w, "<p>origin page %s</p>", r.URL.Path)
	})
	f := newReloadFile(t, o.URL)
	f.write(fmt.Sprintf(shopRoom, 1))
	g := f.start()
	admitted, waiting := newShopper(t), newShopper(t)
	if _, body := admitted.get(g.URL + "/"); !isShopPage(body) {
		t.Fatal("not admitted")
	}
	waiting.get(g.URL + "/")
	if st := waiting.status(g.URL); st.State != "waiting" || st.Position != 1 {
		t.Fatalf("before the reload: %+v", st)
	}

	var inFlight sync.WaitGroup
	var slowCode int
	var slowBody string
	inFlight.Go(func() {
		resp, body := admitted.get(g.URL + "/slow")
		slowCode, slowBody = resp.StatusCode, body
	})
	for o.count() < 2 { // the slow request reached the origin
		time.Sleep(time.Millisecond)
	}

	f.write(fmt.Sprintf(shopRoom, 2) + vipRoom)
	if err := g.Reload(context.Background(), "test"); err != nil {
		t.Fatal(err)
	}
	close(release)
	inFlight.Wait()
	if slowCode != http.StatusOK || !isShopPage(slowBody) {
		t.Errorf("request in flight during the reload: %d %q", slowCode, slowBody)
	}
	if names := g.Rooms(); strings.Join(names, ",") != "shop,vip" {
		t.Errorf("rooms after the reload: %v", names)
	}
	if p := g.roomList()[0].engine.Policy(); p.MaxActive != 2 {
		t.Errorf("max active after the reload: %d, want 2", p.MaxActive)
	}
	if _, body := admitted.get(g.URL + "/more"); !isShopPage(body) {
		t.Error("the admitted shopper lost their session in the reload")
	}
	g.Tick(context.Background())
	if st := waiting.status(g.URL); st.State != "admitted" {
		t.Errorf("the waiting shopper after the reload made room: %+v, want admitted with the ticket they had", st)
	}
	vip := newShopper(t)
	if _, body := vip.get(g.URL + "/vip/x"); !isShopPage(body) || vip.cookie(g.URL, "anteroom_session_vip") == "" {
		t.Errorf("the room the reload added took no arrival: %q", body)
	}
	if !strings.Contains(g.logs.String(), "configuration reloaded") || !strings.Contains(g.logs.String(), "added=[vip]") {
		t.Errorf("the reload was not logged:\n%s", g.logs.String())
	}

	f.write(fmt.Sprintf(shopRoom, 2))
	if err := g.Reload(context.Background(), "test"); err != nil {
		t.Fatal(err)
	}
	if names := g.Rooms(); strings.Join(names, ",") != "shop" {
		t.Errorf("rooms after the second reload: %v", names)
	}
	if !strings.Contains(g.logs.String(), `room removed: it takes no more arrivals" room=vip`) {
		t.Errorf("the removal was not logged:\n%s", g.logs.String())
	}
}

// TestReloadRefusesABadFile: a file with problems keeps the running
// configuration, and every problem is logged on a line of its own with
// its line in the file; a change only a restart applies is refused by
// the key's name.
func TestReloadRefusesABadFile(t *testing.T) {
	o := newOrigin(t, nil)
	f := newReloadFile(t, o.URL)
	f.write(fmt.Sprintf(shopRoom, 3))
	g := f.start()

	f.write(`  - name: shop
    paths: ["no-slash"]
    max_active_users: 0
    new_users_per_minute: 600
`)
	err := g.Reload(context.Background(), "test")
	if err == nil {
		t.Fatal("a bad file was taken")
	}
	logs := g.logs.String()
	for _, want := range []string{
		`problem="line 6: rooms[0].paths[0]: `,
		`problem="line 7: rooms[0].max_active_users: must be at least 1, got 0"`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
	if n := strings.Count(logs, "reload refused"); n != 2 {
		t.Errorf("%d lines say the reload was refused, want one per problem (2):\n%s", n, logs)
	}
	if p := g.roomList()[0].engine.Policy(); p.MaxActive != 3 {
		t.Errorf("max active after a refused reload: %d, want 3", p.MaxActive)
	}
	if _, body := newShopper(t).get(g.URL + "/"); !isShopPage(body) {
		t.Error("the node stopped serving after a refused reload")
	}

	// A new listener or store needs a restart, and says so by name.
	f.write(fmt.Sprintf(shopRoom, 3))
	doc, _ := os.ReadFile(f.path)
	changed := strings.Replace(string(doc), `listen: "127.0.0.1:0"`, "listen: \"127.0.0.1:0\"\nstore: { backend: redis, redis: { addrs: [\"127.0.0.1:6379\"] } }\nadmin: { listen: \"127.0.0.1:9999\" }", 1)
	os.WriteFile(f.path, []byte(changed), 0o600)
	err = g.Reload(context.Background(), "test")
	if err == nil || !strings.Contains(err.Error(), "admin.listen, store.backend, store.redis changed, and only a restart applies that") {
		t.Errorf("got %v, want the keys named", err)
	}
}

// TestReloadRotatesKeys: a reload with a new secret, the old one listed as
// previous, signs with the new one while the old sessions stay valid.
func TestReloadRotatesKeys(t *testing.T) {
	o := newOrigin(t, nil)
	f := newReloadFile(t, o.URL)
	f.write(fmt.Sprintf(shopRoom, 5))
	g := f.start()
	before := newShopper(t)
	if _, body := before.get(g.URL + "/"); !isShopPage(body) {
		t.Fatal("not admitted")
	}
	newSecret := []byte(token.NewSecret())
	f.secrets.HMAC = [][]byte{newSecret, testSecret}
	if err := g.Reload(context.Background(), "test"); err != nil {
		t.Fatal(err)
	}
	if _, body := before.get(g.URL + "/more"); !isShopPage(body) {
		t.Error("a session signed with the previous secret was refused after the rotation")
	}
	after := newShopper(t)
	after.get(g.URL + "/")
	tok := after.cookie(g.URL, "anteroom_session_shop")
	ring, _ := token.NewRing(newSecret)
	if _, err := ring.ParseSession([]byte(tok), g.clock.Now()); err != nil {
		t.Errorf("a session signed after the rotation does not verify with the new secret alone: %v", err)
	}
}

// TestReloadAndTheOverrides: an override holds through a reload that
// leaves its key alone, and gives way to one that changes it.
func TestReloadAndTheOverrides(t *testing.T) {
	o := newOrigin(t, nil)
	f := newReloadFile(t, o.URL)
	f.write(fmt.Sprintf(shopRoom, 10))
	g := f.start()
	do := adminDo(t, g, "s3cret")
	replyOf(t)(do("PATCH", "/api/v1/rooms/shop", `{"max_active_users": 5}`))

	f.write(strings.Replace(fmt.Sprintf(shopRoom, 10), "burst: 10", "burst: 20", 1))
	if err := g.Reload(context.Background(), "test"); err != nil {
		t.Fatal(err)
	}
	if p := g.roomList()[0].engine.Policy(); p.MaxActive != 5 || p.Burst != 20 {
		t.Errorf("after a reload that left max_active_users alone: %+v, want the override's 5 and the file's burst 20", p)
	}
	f.write(fmt.Sprintf(shopRoom, 7))
	if err := g.Reload(context.Background(), "test"); err != nil {
		t.Fatal(err)
	}
	if p := g.roomList()[0].engine.Policy(); p.MaxActive != 7 {
		t.Errorf("after the file changed max_active_users: %d, want the file's 7", p.MaxActive)
	}
	g.Tick(context.Background())
	if r := replyOf(t)(do("GET", "/api/v1/rooms/shop/overrides", "")); len(r.Overrides) != 0 {
		t.Errorf("the overtaken override is still in the store: %+v", r.Overrides)
	}
	if !strings.Contains(g.logs.String(), "live override dropped") {
		t.Errorf("the drop was not logged:\n%s", g.logs.String())
	}
}
