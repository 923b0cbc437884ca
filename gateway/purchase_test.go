package gateway

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anteroom/anteroom/gateway/config"
	"github.com/anteroom/anteroom/internal/redistest"
	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/memstore"
	"github.com/anteroom/anteroom/token"
)

// shop is an origin that sells: on /checkout/submit it verifies the
// purchase token against the gateway's published keys, as the README tells
// shops to, and records each order by its jti.
type shop struct {
	*origin
	mu      sync.Mutex
	orders  map[string]int // jti -> times ordered
	refused atomic.Int64   // requests whose token did not verify
	keys    func() *token.KeySet
	now     func() time.Time // the gateway's clock: tokens are signed on it
	answer  atomic.Int64     // status to answer; 0: 200
	release atomic.Bool      // answer with X-Anteroom-Purchase: release
}

func newShop(t *testing.T) *shop {
	s := &shop{orders: map[string]int{}}
	s.origin = newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/checkout/submit" {
			w.Write([]byte("<p>origin page " + r.URL.Path + "</p>"))
			return
		}
		p, err := s.keys().ParsePurchase([]byte(r.Header.Get("X-Anteroom-Purchase-Token")), s.now())
		if err != nil || p.Session != r.Header.Get("X-Anteroom-Session") {
			s.refused.Add(1)
			http.Error(w, "bad purchase token", http.StatusForbidden)
			return
		}
		if s.release.Load() {
			w.Header().Set("X-Anteroom-Purchase", "release")
		}
		if code := s.answer.Load(); code != 0 {
			w.WriteHeader(int(code))
			return
		}
		s.mu.Lock()
		s.orders[p.HoldID]++
		s.mu.Unlock()
		w.Write([]byte("<p>origin page order placed</p>"))
	})
	return s
}

// useKeysOf makes the shop verify with the JWKS the gateway publishes, on
// the gateway's clock.
func (s *shop) useKeysOf(t *testing.T, g *testGateway) {
	t.Helper()
	s.now = g.clock.Now
	resp, err := http.Get(g.URL + "/.anteroom/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	doc, _ := io.ReadAll(resp.Body)
	ks, err := token.ParseJWKS(doc)
	if err != nil {
		t.Fatalf("jwks.json: %v: %s", err, doc)
	}
	s.keys = func() *token.KeySet { return ks }
}

func (s *shop) sold() (orders, duplicates int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, n := range s.orders {
		orders++
		duplicates += n - 1
	}
	return
}

// stockConfig is a big room selling units through /checkout/submit.
func stockConfig(originURL string, units int) *config.Config {
	cfg := testConfig(originURL)
	// 5,000 buyers on a shared 2-core machine: no time-outs wanted here.
	cfg.Origin.Timeout = 30 * time.Second
	room := &cfg.Rooms[0]
	room.MaxActiveUsers = 100_000
	room.NewUsersPerMinute = 10_000_000
	room.Burst = 1_000_000
	room.Inventory = config.Inventory{Stock: units, PurchasePaths: []string{"/checkout/submit"}, Hold: time.Minute, PerSession: 1}
	return cfg
}

// buyers sends n shoppers, each admitted then buying once, through the
// nodes in turn, at most 100 at a time; it counts the answers by status.
func buyers(t *testing.T, nodes []*testGateway, n int) map[int]int {
	t.Helper()
	var mu sync.Mutex
	codes := map[int]int{}
	sem := make(chan struct{}, 100)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			s := newShopper(t)
			if _, body := s.get(nodes[i%len(nodes)].URL + "/item"); !isShopPage(body) {
				t.Errorf("buyer %d not admitted", i)
				return
			}
			req, _ := http.NewRequest(http.MethodPost, nodes[(i+1)%len(nodes)].URL+"/checkout/submit", strings.NewReader("qty=1"))
			req.Header.Set("Accept", "application/json")
			resp, body := s.do(req)
			if resp.StatusCode == http.StatusConflict && !strings.Contains(body, `"state":"sold_out"`) {
				t.Errorf("sold-out answer without the sold_out state: %q", body)
			}
			mu.Lock()
			codes[resp.StatusCode]++
			mu.Unlock()
		})
	}
	wg.Wait()
	return codes
}

// TestNoOversell: 5,000 concurrent purchase attempts for 100 units. Exactly
// 100 orders reach the shop, each with its own jti that verifies against
// jwks.json; everyone else is told it is sold out; the store agrees.
func TestNoOversell(t *testing.T) {
	cases := []struct {
		name  string
		nodes func(t *testing.T, cfg *config.Config) []*testGateway
	}{
		{"memory, one node", func(t *testing.T, cfg *config.Config) []*testGateway {
			return []*testGateway{startGateway(t, cfg, nil, nil)}
		}},
		{"redis, three nodes", func(t *testing.T, cfg *config.Config) []*testGateway {
			return redisNodes(t, cfg, []string{redistest.Start(t).Addr}, 3)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newShop(t)
			nodes := tc.nodes(t, stockConfig(s.URL, 100))
			s.useKeysOf(t, nodes[0])
			codes := buyers(t, nodes, 5000)
			orders, dups := s.sold()
			if orders != 100 || dups != 0 || s.refused.Load() != 0 {
				t.Errorf("the shop took %d orders (%d duplicate jti, %d bad tokens), want exactly 100", orders, dups, s.refused.Load())
			}
			if codes[http.StatusOK] != 100 || codes[http.StatusConflict] != 4900 {
				t.Errorf("answers %v, want 100 × 200 and 4900 × 409 sold out", codes)
			}
			st, err := nodes[0].store.Stock(context.Background(), "shop", nodes[0].clock.Now())
			if err != nil || st.Sold != 100 || st.Held != 0 || st.Left() != 0 {
				t.Errorf("store: %+v, %v; want 100 sold, none held or left", st, err)
			}
			tickAll(nodes, time.Second)
			late := newShopper(t)
			if _, body := late.get(nodes[0].URL+"/item", "Accept", "application/json"); !strings.Contains(body, `"state":"sold_out"`) {
				t.Errorf("newcomer to a sold-out room: %q", body)
			}
		})
	}
}

// TestHoldsSettle: the origin's answer settles each hold — an error or
// "X-Anteroom-Purchase: release" returns the unit, a sale keeps it — and an
// unanswered hold expires back to stock; the room turns sold out and back.
func TestHoldsSettle(t *testing.T) {
	s := newShop(t)
	cfg := stockConfig(s.URL, 1)
	cfg.Rooms[0].Inventory.Hold = time.Minute
	g := startGateway(t, cfg, nil, nil)
	s.useKeysOf(t, g)
	buy := func(sh *shopper) (*http.Response, string) {
		req, _ := http.NewRequest(http.MethodPost, g.URL+"/checkout/submit", nil)
		return sh.do(req)
	}
	stock := func() queue.Stock {
		st, err := g.store.Stock(context.Background(), "shop", g.clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	a, b := newShopper(t), newShopper(t)
	a.get(g.URL + "/")
	b.get(g.URL + "/")

	s.answer.Store(http.StatusPaymentRequired)
	if resp, _ := buy(a); resp.StatusCode != http.StatusPaymentRequired || stock().Left() != 1 {
		t.Errorf("a failed payment: %d, stock %+v; want the unit back", resp.StatusCode, stock())
	}
	s.answer.Store(0)
	s.release.Store(true)
	if _, _ = buy(a); stock().Left() != 1 {
		t.Errorf("X-Anteroom-Purchase: release: stock %+v, want the unit back", stock())
	}
	s.release.Store(false)

	// b holds the unit while the shop hangs on: a is told it is sold out.
	held, err := g.store.Hold(context.Background(), "shop", "b-session", "h-b", 1, g.clock.Now().Add(time.Minute), g.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	g.Tick(context.Background())
	if resp, body := buy(a); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "Sold out") {
		t.Errorf("buying with every unit held: %d %q", resp.StatusCode, body)
	}
	if !g.roomList()[0].engine.SoldOut() {
		t.Error("the room is not sold out with every unit held")
	}
	// The hold runs out; the unit is back and the room reopens.
	g.clock.Advance(2 * time.Minute)
	g.Tick(context.Background())
	if st := stock(); st.Left() != 1 || g.roomList()[0].engine.SoldOut() {
		t.Errorf("after hold %s expired: %+v, sold out %v", held.ID, st, g.roomList()[0].engine.SoldOut())
	}
	if resp, _ := buy(b); resp.StatusCode != http.StatusOK || stock().Sold != 1 {
		t.Errorf("buying the returned unit: %d, stock %+v", resp.StatusCode, stock())
	}
}

// TestStockLostWithRedis: Redis restarted empty mid-sale. Purchases stop
// (the origin is not asked), /readyz and the log say so, nothing is sold
// past the stock; an operator's SetStock resumes them.
func TestStockLostWithRedis(t *testing.T) {
	redis := redistest.Start(t)
	s := newShop(t)
	nodes := redisNodes(t, stockConfig(s.URL, 10), []string{redis.Addr}, 2)
	s.useKeysOf(t, nodes[0])
	if codes := buyers(t, nodes, 4); codes[http.StatusOK] != 4 {
		t.Fatalf("before the loss: %v", codes)
	}
	redis.Restart()
	tickAll(nodes, time.Second)
	tickAll(nodes, 5*time.Second)
	before, _ := s.sold()
	codes := buyers(t, nodes, 3)
	if after, _ := s.sold(); after != before || codes[http.StatusServiceUnavailable] != 3 {
		t.Errorf("after the loss: answers %v and %d new orders; want 503s and none", codes, after-before)
	}
	for _, n := range nodes {
		if err := n.Ready(context.Background()); err == nil || !strings.Contains(err.Error(), "stock") {
			t.Errorf("Ready after the stock was lost: %v", err)
		}
	}
	if !strings.Contains(nodes[0].logs.String(), "no stock figure") {
		t.Errorf("the lost stock was not logged:\n%s", nodes[0].logs.String())
	}
	// The operator counts 4 orders at the shop: 6 units are left to sell.
	if _, err := nodes[0].store.SetStock(context.Background(), nodes[0].roomList()[0].name, 6, nodes[0].clock.Now()); err != nil {
		t.Fatal(err)
	}
	tickAll(nodes, time.Second)
	codes = buyers(t, nodes, 10)
	if orders, _ := s.sold(); orders != 10 || codes[http.StatusOK] != 6 {
		t.Errorf("after SetStock: answers %v, %d orders in all; want 6 more, 10 in all", codes, orders)
	}
}

// TestJWKSPublishesEveryKey: with a rotated purchase key both keys are
// published, so tokens signed before the rotation verify until they expire.
func TestJWKSPublishesEveryKey(t *testing.T) {
	o := newOrigin(t, nil)
	oldKey, newKey := mustKey(t), mustKey(t)
	oldSigner, _ := token.NewPurchaseSigner(oldKey)
	cfg := testConfig(o.URL)
	g, err := New(cfg, Options{Store: memstore.New(), Secrets: [][]byte{testSecret}, PurchaseKeys: []ed25519.PrivateKey{newKey, oldKey}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	old, _ := oldSigner.Sign(token.Purchase{Room: "shop", HoldID: "h1", Session: "s1", IssuedAt: now, Expires: now.Add(time.Minute)})
	fresh, _ := g.keys.Load().purchase.Sign(token.Purchase{Room: "shop", HoldID: "h2", Session: "s2", IssuedAt: now, Expires: now.Add(time.Minute)})
	ks, err := token.ParseJWKS(g.keys.Load().purchase.JWKS())
	if err != nil {
		t.Fatal(err)
	}
	for name, tok := range map[string]string{"old key": old, "new key": fresh} {
		if _, err := ks.ParsePurchase([]byte(tok), now); err != nil {
			t.Errorf("token signed with the %s does not verify: %v", name, err)
		}
	}
}

// TestEveryAdmissionBuysThroughAHold: a newcomer admitted at once whose
// very first request is a purchase gets a hold and a purchase token like
// anyone else; once the stock is gone, such a newcomer is told so.
func TestEveryAdmissionBuysThroughAHold(t *testing.T) {
	s := newShop(t)
	g := startGateway(t, stockConfig(s.URL, 1), nil, nil)
	s.useKeysOf(t, g)
	post := func() (*http.Response, string) {
		req, _ := http.NewRequest(http.MethodPost, g.URL+"/checkout/submit", nil)
		return newShopper(t).do(req)
	}
	if resp, _ := post(); resp.StatusCode != http.StatusOK || s.refused.Load() != 0 {
		t.Fatalf("first buyer: %d, %d refused tokens", resp.StatusCode, s.refused.Load())
	}
	g.Tick(context.Background())
	if _, body := post(); !strings.Contains(body, `data-state="sold_out"`) {
		t.Errorf("second buyer of one unit: %q, want the sold-out page", body)
	}
	if orders, _ := s.sold(); orders != 1 {
		t.Errorf("the shop took %d orders of one unit", orders)
	}
}

// TestOneSessionCannotBuyTheStock (issue 8, item 6): a shopper buys
// inventory.per_session units, one purchase after another, and the next
// purchase is refused with 409 — a page for a browser, JSON for an app —
// without the shop being asked or a unit being held. Other shoppers still
// buy. With Redis the shopper's purchases go through each node in turn.
func TestOneSessionCannotBuyTheStock(t *testing.T) {
	oneNode := func(t *testing.T, cfg *config.Config) []*testGateway {
		return []*testGateway{startGateway(t, cfg, nil, nil)}
	}
	cases := []struct {
		name  string
		per   int
		nodes func(t *testing.T, cfg *config.Config) []*testGateway
	}{
		{"memory, one per session", 1, oneNode},
		{"memory, two per session", 2, oneNode},
		{"redis, two nodes, two per session", 2, func(t *testing.T, cfg *config.Config) []*testGateway {
			return redisNodes(t, cfg, []string{redistest.Start(t).Addr}, 2)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			per := tc.per
			s := newShop(t)
			cfg := stockConfig(s.URL, 5)
			cfg.Rooms[0].Inventory.PerSession = per
			nodes := tc.nodes(t, cfg)
			s.useKeysOf(t, nodes[0])
			tries := 0
			buy := func(sh *shopper, accept string) (*http.Response, string) {
				tries++
				req, _ := http.NewRequest(http.MethodPost, nodes[tries%len(nodes)].URL+"/checkout/submit", strings.NewReader("qty=1"))
				if accept != "" {
					req.Header.Set("Accept", accept)
				}
				return sh.do(req)
			}
			a := newShopper(t)
			if _, body := a.get(nodes[0].URL + "/item"); !isShopPage(body) {
				t.Fatalf("shopper not admitted: %q", body)
			}
			for i := range per {
				if resp, body := buy(a, ""); resp.StatusCode != http.StatusOK || !isShopPage(body) {
					t.Fatalf("purchase %d of %d: %d %q", i+1, per, resp.StatusCode, body)
				}
			}
			asked := s.count()
			want := fmt.Sprintf("You have already bought the most one shopper may: %d.", per)
			resp, body := buy(a, "")
			if resp.StatusCode != http.StatusConflict || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
				!strings.Contains(body, want) || !strings.Contains(body, `data-state="closed"`) {
				t.Errorf("purchase %d of %d: got %d %s %q, want 409 and a page saying %q", per+1, per,
					resp.StatusCode, resp.Header.Get("Content-Type"), body, want)
			}
			resp, body = buy(a, "application/json")
			if resp.StatusCode != http.StatusConflict || !strings.Contains(body, `"state":"closed"`) ||
				!strings.Contains(body, `"message":"`+want+`"`) {
				t.Errorf("purchase %d of %d as JSON: got %d %q, want 409 closed with %q", per+2, per, resp.StatusCode, body, want)
			}
			// The page says it in the shopper's language, the number in its digits.
			req, _ := http.NewRequest(http.MethodPost, nodes[0].URL+"/checkout/submit", strings.NewReader("qty=1"))
			req.Header.Set("Accept-Language", "ar")
			wantAR := fmt.Sprintf("لقد اشتريت بالفعل الحد الأقصى المسموح به للشخص الواحد: %c.", '٠'+rune(per))
			if resp, body := a.do(req); resp.StatusCode != http.StatusConflict || !strings.Contains(body, wantAR) || strings.Contains(body, want) {
				t.Errorf("purchase in Arabic: got %d %q, want 409 saying %q", resp.StatusCode, body, wantAR)
			}
			if got := s.count(); got != asked {
				t.Errorf("the shop was asked %d times after the limit, want 0", got-asked)
			}
			st, err := nodes[0].store.Stock(context.Background(), "shop", nodes[0].clock.Now())
			if want := (queue.Stock{Set: true, Units: 5, Sold: per}); err != nil || st != want {
				t.Errorf("store: got %+v, %v; want %+v (nothing held by the refusals)", st, err, want)
			}
			if orders, _ := s.sold(); orders != per {
				t.Errorf("the shop took %d orders, want %d", orders, per)
			}
			if resp, _ := buy(newShopper(t), ""); resp.StatusCode != http.StatusOK {
				t.Errorf("another shopper's purchase: got %d, want 200", resp.StatusCode)
			}
		})
	}
}
