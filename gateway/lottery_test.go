package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/anteroom/anteroom/gateway/config"
	"github.com/anteroom/anteroom/internal/redistest"
	"github.com/anteroom/anteroom/queue"
)

// lotteryBody is the lottery endpoint's answer as a client reads it.
type lotteryBody struct {
	Room         string     `json:"room"`
	Draw         string     `json:"draw"`
	SeedSHA256   string     `json:"seed_sha256"`
	CommittedAt  time.Time  `json:"committed_at"`
	PrequeueFrom *time.Time `json:"prequeue_from"`
	OpensAt      *time.Time `json:"opens_at"`
	Revealed     bool       `json:"revealed"`
	Seed         string     `json:"seed"`
	Tickets      *uint64    `json:"tickets"`
	Verify       string     `json:"verify"`
	Error        string     `json:"error"`
}

func getLottery(t *testing.T, base, query string) (*http.Response, lotteryBody, string) {
	t.Helper()
	resp, body := newShopper(t).get(base + "/.anteroom/lottery" + query)
	var b lotteryBody
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		t.Fatalf("lottery%s: %d %q is not JSON: %v", query, resp.StatusCode, body, err)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("lottery%s: Content-Type %q, want application/json", query, ct)
	}
	return resp, b, body
}

func randomRoomConfig(originURL string, clk *clock) *config.Config {
	cfg := testConfig(originURL)
	cfg.Rooms[0].Queueing = config.QueueingRandom
	cfg.Rooms[0].PrequeueFrom = clk.Now().Add(time.Minute)
	cfg.Rooms[0].OpensAt = clk.Now().Add(10 * time.Minute)
	return cfg
}

// TestLotteryCommitThenReveal: from outside, the room's commitment is
// published before its pre-queue starts and stays the same through it,
// the seed is nowhere in any answer before the opening, and at the
// opening the seed shown hashes to the commitment published before.
func TestLotteryCommitThenReveal(t *testing.T) {
	o := newOrigin(t, nil)
	clk := newClock()
	cfg := randomRoomConfig(o.URL, clk)
	cfg.Rooms[0].MaxActiveUsers = 1
	cfg.Rooms[0].AbandonAfter = time.Hour // the crowd waits for the opening without polling
	g := startGateway(t, cfg, nil, clk)

	resp, early, earlyRaw := getLottery(t, g.URL, "?room=shop")
	if resp.StatusCode != http.StatusOK || early.Revealed || early.Seed != "" || early.Tickets != nil || early.Verify != "" {
		t.Fatalf("before the pre-queue: %d %s; want 200 and nothing revealed", resp.StatusCode, earlyRaw)
	}
	if strings.Contains(earlyRaw, `"seed"`) || strings.Contains(earlyRaw, `"tickets"`) {
		t.Errorf("before the opening the answer names the seed or the tickets: %s", earlyRaw)
	}
	if len(early.SeedSHA256) != 64 || early.Room != "shop" || early.Draw != "anteroom lottery v1" {
		t.Errorf("commitment: got %s", earlyRaw)
	}
	if early.PrequeueFrom == nil || early.OpensAt == nil || !early.PrequeueFrom.Equal(cfg.Rooms[0].PrequeueFrom) ||
		!early.OpensAt.Equal(cfg.Rooms[0].OpensAt) || early.CommittedAt.After(*early.PrequeueFrom) {
		t.Errorf("window: got %s; want committed before prequeue_from %v, opens_at %v", earlyRaw, cfg.Rooms[0].PrequeueFrom, cfg.Rooms[0].OpensAt)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=5" {
		t.Errorf("Cache-Control before the opening: got %q, want public, max-age=5", cc)
	}

	clk.Advance(2 * time.Minute)
	var raws []string
	var crowd []*shopper // crowd[i] holds ticket i+1
	for i := range 7 {
		s := newShopper(t)
		crowd = append(crowd, s)
		if resp, body := s.get(g.URL+"/item", "Accept", "application/json"); resp.StatusCode != http.StatusOK || isShopPage(body) {
			t.Fatalf("pre-queue arrival %d: %d %q", i, resp.StatusCode, body)
		}
		if st := s.status(g.URL); st.State != "prequeue" {
			t.Fatalf("pre-queue arrival %d: %+v", i, st)
		}
		g.Tick(context.Background())
		_, during, raw := getLottery(t, g.URL, "?room=shop")
		if during.SeedSHA256 != early.SeedSHA256 || during.Revealed {
			t.Fatalf("during the pre-queue: got %s, want the commitment %s hidden", raw, early.SeedSHA256)
		}
		raws = append(raws, raw)
	}

	clk.Advance(8*time.Minute - time.Second)
	if cc := getLotteryHeader(t, g.URL, "Cache-Control"); cc != "public, max-age=1" {
		t.Errorf("Cache-Control a second before the opening: got %q, want public, max-age=1", cc)
	}
	clk.Advance(time.Second)
	resp, after, afterRaw := getLottery(t, g.URL, "?room=shop")
	if resp.StatusCode != http.StatusOK || !after.Revealed || after.Tickets == nil || *after.Tickets != 7 {
		t.Fatalf("at the opening: %d %s; want the seed and 7 tickets", resp.StatusCode, afterRaw)
	}
	seed, err := hex.DecodeString(after.Seed)
	if err != nil || len(seed) != 32 {
		t.Fatalf("seed %q: want 64 hex digits", after.Seed)
	}
	sum := sha256.Sum256(seed)
	if hex.EncodeToString(sum[:]) != early.SeedSHA256 || after.SeedSHA256 != early.SeedSHA256 {
		t.Fatalf("SHA-256 of the revealed seed is %x; the commitment published before was %s", sum, early.SeedSHA256)
	}
	for _, raw := range append(raws, earlyRaw) {
		if strings.Contains(raw, after.Seed) {
			t.Fatalf("an answer before the opening held the seed: %s", raw)
		}
	}
	want := "anteroom lottery verify -room shop -seed " + after.Seed + " -tickets 7 -commit " + early.SeedSHA256
	if after.Verify != want {
		t.Errorf("verify: got %q, want %q", after.Verify, want)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=60" {
		t.Errorf("Cache-Control after the opening: got %q, want public, max-age=60", cc)
	}

	// The room admits one at a time, in the order the revealed seed gives.
	var s queue.Seed
	copy(s[:], seed)
	draw := queue.Draw{Room: "shop", Seed: s, Tickets: 7}
	var order []uint64
	waiting := map[uint64]*shopper{}
	for i, sh := range crowd {
		waiting[uint64(i+1)] = sh
	}
	for turn := 0; len(waiting) > 0; turn++ {
		if turn > 100 {
			t.Fatalf("%d shoppers still waiting", len(waiting))
		}
		clk.Advance(time.Second)
		g.Tick(context.Background())
		for tk := uint64(1); tk <= 7; tk++ {
			sh := waiting[tk]
			if sh == nil {
				continue
			}
			st := sh.status(g.URL)
			if st.State == "waiting" && st.Position != draw.Place(tk) {
				t.Fatalf("ticket %d is told place %d; the draw gives %d", tk, st.Position, draw.Place(tk))
			}
			if st.State == "admitted" {
				order = append(order, tk)
				leaveRoom(sh, g.URL)
				delete(waiting, tk)
			}
		}
	}
	for i, tk := range order {
		if want := draw.Ticket(uint64(i + 1)); tk != want {
			t.Fatalf("admitted tickets %v; the revealed draw puts %d at place %d", order, want, i+1)
		}
	}
}

func getLotteryHeader(t *testing.T, base, name string) string {
	t.Helper()
	resp, _, _ := getLottery(t, base, "?room=shop")
	return resp.Header.Get(name)
}

// TestLotteryHostileQueries: the endpoint is public; whatever the query,
// the answer is a clear JSON error that does not echo it.
func TestLotteryHostileQueries(t *testing.T) {
	o := newOrigin(t, nil)
	clk := newClock()
	g := startGateway(t, randomRoomConfig(o.URL, clk), nil, clk)
	fifo := startGateway(t, testConfig(o.URL), nil, clk) // its room, shop, keeps arrival order
	long := strings.Repeat("a", 65)
	cases := []struct {
		name, base, query string
		code              int
		msg               string
	}{
		{"no query", g.URL, "", 400, "missing room"},
		{"empty room", g.URL, "?room=", 400, "missing room"},
		{"other argument", g.URL, "?rooms=drop", 400, "missing room"},
		{"too long", g.URL, "?room=" + long, 400, "invalid room name"},
		{"very long", g.URL, "?room=" + strings.Repeat("x", 2000), 400, "invalid room name"},
		{"upper case", g.URL, "?room=SHOP", 400, "invalid room name"},
		{"script", g.URL, "?room=" + url.QueryEscape(`<script>alert(1)</script>`), 400, "invalid room name"},
		{"quote", g.URL, "?room=" + url.QueryEscape(`shop"}`), 400, "invalid room name"},
		{"nul", g.URL, "?room=shop%00", 400, "invalid room name"},
		{"dots", g.URL, "?room=..%2Fshop", 400, "invalid room name"},
		{"non-ASCII", g.URL, "?room=" + url.QueryEscape("shöp"), 400, "invalid room name"},
		{"bad escape", g.URL, "?room=%zz", 400, "invalid room name"},
		{"unknown", g.URL, "?room=nosuch", 404, "unknown room"},
		{"fifo room", fifo.URL, "?room=shop", 404, "room shop draws no lottery"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, b, raw := getLottery(t, c.base, c.query)
			if resp.StatusCode != c.code || !strings.HasPrefix(b.Error, c.msg) {
				t.Errorf("got %d %s, want %d and an error starting %q", resp.StatusCode, raw, c.code, c.msg)
			}
			if strings.Contains(raw, "script") || strings.Contains(raw, long) || strings.Contains(raw, "xxxx") {
				t.Errorf("the answer echoes the query: %s", raw)
			}
			if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control of an error: got %q, want no-store", cc)
			}
		})
	}
	// The first room argument is the one asked about.
	if resp, b, raw := getLottery(t, g.URL, "?room=shop&room=nosuch"); resp.StatusCode != 200 || b.Room != "shop" {
		t.Errorf("two room arguments: got %d %s, want shop's lottery", resp.StatusCode, raw)
	}
	req, _ := http.NewRequest(http.MethodPost, g.URL+"/.anteroom/lottery?room=shop", nil)
	if resp, _ := newShopper(t).do(req); resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST: got %d, Allow %q; want 405, GET, HEAD", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

// TestLotteryThreeNodesOneRedis: three gateways on one Redis publish one
// commitment and reveal one seed; while Redis does not answer, the seed
// is not shown and the answer says why.
func TestLotteryThreeNodesOneRedis(t *testing.T) {
	srv := redistest.Start(t)
	o := newOrigin(t, nil)
	cfg := randomRoomConfig(o.URL, newClock())
	cfg.Rooms[0].AbandonAfter = time.Hour
	cfg.Store.Timeout = 200 * time.Millisecond
	nodes := redisNodes(t, cfg, []string{srv.Addr}, 3)
	clk := nodes[0].clock
	_, first, _ := getLottery(t, nodes[0].URL, "?room=shop")
	for i, n := range nodes {
		resp, l, raw := getLottery(t, n.URL, "?room=shop")
		if resp.StatusCode != http.StatusOK || l.SeedSHA256 != first.SeedSHA256 || len(l.SeedSHA256) != 64 || l.Revealed {
			t.Fatalf("node %d: %d %s; want node 0's commitment %s, hidden", i, resp.StatusCode, raw, first.SeedSHA256)
		}
	}
	clk.Advance(2 * time.Minute)
	for i := range 6 {
		s := newShopper(t)
		if resp, body := s.get(nodes[i%3].URL+"/item", "Accept", "application/json"); resp.StatusCode != http.StatusOK || isShopPage(body) {
			t.Fatalf("pre-queue arrival %d: %d %q", i, resp.StatusCode, body)
		}
	}
	clk.Advance(8 * time.Minute)

	// Redis holds every command: the pre-queue cannot be frozen, so the
	// seed cannot be shown.
	if _, err := srv.Do("CLIENT", "PAUSE", "1500", "ALL"); err != nil {
		t.Fatal(err)
	}
	resp, down, raw := getLottery(t, nodes[1].URL, "?room=shop")
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || down.Seed != "" || !strings.Contains(down.Error, "cannot be reached") {
		t.Fatalf("with Redis paused: %d %s; want 503 with Retry-After and no seed", resp.StatusCode, raw)
	}
	// The pause runs out in Redis's own time.
	for deadline := time.Now().Add(10 * time.Second); ; {
		if resp, _, _ := getLottery(t, nodes[1].URL, "?room=shop"); resp.StatusCode == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the lottery still fails 10 s after Redis's pause ended")
		}
	}

	var seed string
	for i, n := range nodes {
		resp, l, raw := getLottery(t, n.URL, "?room=shop")
		if resp.StatusCode != http.StatusOK || !l.Revealed || l.Tickets == nil || *l.Tickets != 6 || l.SeedSHA256 != first.SeedSHA256 {
			t.Fatalf("node %d at the opening: %d %s; want the seed of %s and 6 tickets", i, resp.StatusCode, raw, first.SeedSHA256)
		}
		if seed == "" {
			seed = l.Seed
		}
		b, _ := hex.DecodeString(l.Seed)
		if sum := sha256.Sum256(b); l.Seed != seed || hex.EncodeToString(sum[:]) != first.SeedSHA256 {
			t.Fatalf("node %d reveals %s, node 0 %s; the commitment is %s", i, l.Seed, seed, first.SeedSHA256)
		}
	}
}
