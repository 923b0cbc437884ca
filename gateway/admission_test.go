package gateway

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue/memstore"
	"github.com/anteroom/anteroom/token"
)

// statusAnswer is the JSON of /.anteroom/status.
type statusAnswer struct {
	Room        string `json:"room"`
	State       string `json:"state"`
	Position    uint64 `json:"position"`
	Ahead       uint64 `json:"ahead"`
	ETA         [2]int `json:"eta_seconds"`
	Progress    int    `json:"progress"`
	PollAfterMS int    `json:"poll_after_ms"`
	OpensIn     int    `json:"opens_in_seconds"`
	Redirect    string `json:"redirect"`
	Message     string `json:"message"`
}

func (s *shopper) status(base string) statusAnswer {
	s.t.Helper()
	resp, body := s.get(base+"/.anteroom/status?room=shop&return=%2Fitem", "Accept", "application/json")
	var st statusAnswer
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		s.t.Fatalf("status: %v in %q (HTTP %d)", err, body, resp.StatusCode)
	}
	return st
}

// cookie returns the value of the named cookie the shopper holds for base.
func (s *shopper) cookie(base, name string) string {
	u, _ := url.Parse(base)
	for _, c := range s.jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// TestRestartKeepsEveryPlace stops a gateway mid-sale and starts another on
// the saved state: every ticket keeps its place, and a newcomer queues
// behind them all (SPEC guarantee 4 on one node).
func TestRestartKeepsEveryPlace(t *testing.T) {
	o := newOrigin(t, nil)
	cfg := testConfig(o.URL)
	cfg.Rooms[0].MaxActiveUsers = 2
	clk := newClock()
	state := filepath.Join(t.TempDir(), "anteroom.state")
	store := memstore.New()
	g := startGateway(t, cfg, store, clk)

	crowd := make([]*shopper, 20)
	before := map[int]uint64{}
	for i := range crowd {
		crowd[i] = newShopper(t)
		crowd[i].get(g.URL + "/")
	}
	clk.Advance(time.Second)
	g.Tick(context.Background())
	for i, s := range crowd {
		if st := s.status(g.URL); st.State == "waiting" {
			before[i] = st.Position
		}
	}
	if len(before) != 18 {
		t.Fatalf("%d shoppers waiting, want 18", len(before))
	}
	g.stop()
	if err := store.Save(state); err != nil {
		t.Fatal(err)
	}

	loaded, err := memstore.Load(state)
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	g2 := startGateway(t, cfg, loaded, clk)
	// The shoppers come back to a new process at a new address.
	for i, pos := range before {
		s := crowd[i]
		old, _ := url.Parse(g.URL)
		nu, _ := url.Parse(g2.URL)
		s.jar.SetCookies(nu, s.jar.Cookies(old))
		if st := s.status(g2.URL); st.State != "waiting" || st.Position != pos {
			t.Errorf("shopper %d: after restart %s at %d, want waiting at %d", i, st.State, st.Position, pos)
		}
	}
	late := newShopper(t)
	late.get(g2.URL + "/")
	st := late.status(g2.URL)
	for i, pos := range before {
		if st.Position <= pos {
			t.Errorf("newcomer at %d is not behind shopper %d at %d", st.Position, i, pos)
		}
	}
}

// TestBadTokensNeverReachTheOrigin sends forged, expired, alg-none,
// wrong-kind, foreign-key and oversized session cookies at a full room: each
// is treated as no session, and the origin never hears of them.
func TestBadTokensNeverReachTheOrigin(t *testing.T) {
	o := newOrigin(t, nil)
	cfg := testConfig(o.URL)
	cfg.Rooms[0].MaxActiveUsers = 1
	g := startGateway(t, cfg, nil, nil)
	holder := newShopper(t)
	if _, body := holder.get(g.URL + "/"); !isShopPage(body) {
		t.Fatal("the first shopper should be admitted into the empty room")
	}
	now := g.clock.Now()
	ring, _ := token.NewRing(testSecret)
	other, _ := token.NewRing([]byte("v3Rn8Kd1QxW6tZb0Mh4Ls9Gy2Pc7Fj5Ae-Ui3oNwEq"))
	valid, _ := ring.SignSession(token.Session{Room: "shop", ID: "feedface", IssuedAt: now, Expires: now.Add(time.Minute)})
	expired, _ := ring.SignSession(token.Session{Room: "shop", ID: "feedface", IssuedAt: now.Add(-time.Hour), Expires: now.Add(-time.Minute)})
	wrongRoom, _ := ring.SignSession(token.Session{Room: "elsewhere", ID: "feedface", IssuedAt: now, Expires: now.Add(time.Minute)})
	ticket, _ := ring.SignTicket(token.Ticket{Room: "shop", Number: 1, Device: "d", IssuedAt: now, Expires: now.Add(time.Hour)})
	foreign, _ := other.SignSession(token.Session{Room: "shop", ID: "feedface", IssuedAt: now, Expires: now.Add(time.Minute)})
	purchaseSigner, _ := token.NewPurchaseSigner(mustKey(t))
	purchase, _ := purchaseSigner.Sign(token.Purchase{Room: "shop", HoldID: "h1", Session: "feedface", IssuedAt: now, Expires: now.Add(time.Minute)})

	cases := map[string]string{
		"tampered payload":    tamper(valid),
		"tampered signature":  valid[:len(valid)-2] + flip(valid[len(valid)-2:]),
		"expired":             expired,
		"alg none":            algNone(valid),
		"ticket as session":   ticket,
		"purchase as session": purchase,
		"other room":          wrongRoom,
		"foreign key":         foreign,
		"oversized":           valid + repeatA(2000),
		"garbage":             "not.a.token",
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			before := o.count()
			s := newShopper(t)
			u, _ := url.Parse(g.URL)
			s.jar.SetCookies(u, []*http.Cookie{{Name: "anteroom_session_shop", Value: tok, Path: "/"}})
			resp, body := s.get(g.URL + "/checkout")
			if isShopPage(body) {
				t.Fatalf("a %s session token reached the shop", name)
			}
			if resp.StatusCode != http.StatusOK {
				t.Errorf("status %d, want the waiting page's 200", resp.StatusCode)
			}
			if o.count() != before {
				t.Fatalf("the origin got %d requests", o.count()-before)
			}
		})
	}
	if _, body := holder.get(g.URL + "/"); !isShopPage(body) {
		t.Error("the admitted shopper lost their place")
	}
}

func tamper(tok string) string {
	b := []byte(tok)
	i := len(b) / 2 // inside the payload
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

func flip(s string) string {
	if s[0] == 'A' {
		return "B" + s[1:]
	}
	return "A" + s[1:]
}

// algNone re-heads a token as unsigned.
func algNone(tok string) string {
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"anteroom-session+jwt"}`))
	return header + "." + strings.Split(tok, ".")[1] + "."
}

func mustKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	k, err := token.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func repeatA(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = 'a'
	}
	return string(b)
}
