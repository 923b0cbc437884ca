package token

import (
	"fmt"
	"hash/maphash"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSessionCacheMatchesUncached asks the cache and the ring the same
// questions, twice each so the second is answered from the cache, at times
// before, at and after expiry.
func TestSessionCacheMatchesUncached(t *testing.T) {
	r := mustRing(t, secret(1))
	c := NewSessionCache(r, 128)
	s := sampleSession()
	valid := mustSign(t, r.SignSession, s)
	toks := map[string]string{
		"valid":     valid,
		"short":     mustSign(t, r.SignSession, Session{Room: "ps5", ID: "short", Expires: t0.Add(time.Second)}),
		"ticket":    mustSign(t, r.SignTicket, sampleTicket()),
		"forged":    craft(t, header(KindSession, "HS256", r.KeyID()), sessionMap(), hs256(secret(2))),
		"malformed": "a.b.c",
		"too long":  valid + strings.Repeat("A", MaxTokenLen),
		"empty":     "",
	}
	nows := []time.Time{t0.Add(-time.Hour), t0, t0.Add(999 * time.Millisecond), t0.Add(time.Second), t0.Add(4 * time.Minute), s.Expires.Add(-time.Nanosecond), s.Expires, t0.Add(time.Hour), t0}
	for name, tok := range toks {
		for _, now := range nows {
			want, wantErr := r.ParseSession([]byte(tok), now)
			for i := range 2 {
				got, err := c.Parse([]byte(tok), now)
				if got != want || err != wantErr {
					t.Errorf("%s at %v, call %d: got %+v, %v; want %+v, %v", name, now, i, got, err, want, wantErr)
				}
			}
		}
	}
}

func TestTicketCacheMatchesUncached(t *testing.T) {
	r := mustRing(t, secret(1))
	c := NewTicketCache(r, 128)
	tk := sampleTicket()
	toks := map[string]string{
		"valid":   mustSign(t, r.SignTicket, tk),
		"session": mustSign(t, r.SignSession, sampleSession()),
		"forged":  craft(t, header(KindTicket, "HS256", r.KeyID()), ticketMap(), hs256(secret(2))),
	}
	nows := []time.Time{t0, tk.Expires.Add(-time.Second), tk.Expires, tk.Expires.Add(time.Hour), t0}
	for name, tok := range toks {
		for _, now := range nows {
			want, wantErr := r.ParseTicket([]byte(tok), now)
			for i := range 2 {
				got, err := c.Parse([]byte(tok), now)
				if got != want || err != wantErr {
					t.Errorf("%s at %v, call %d: got %+v, %v; want %+v, %v", name, now, i, got, err, want, wantErr)
				}
			}
		}
	}
}

func TestCacheRefusesExpiredCachedToken(t *testing.T) {
	r := mustRing(t, secret(1))
	sc := NewSessionCache(r, 16)
	tc := NewTicketCache(r, 16)
	s, tk := sampleSession(), sampleTicket()
	stok := []byte(mustSign(t, r.SignSession, s))
	ttok := []byte(mustSign(t, r.SignTicket, tk))

	tests := []struct {
		name string
		now  time.Time
		want error
	}{
		{"fresh, caches it", t0, nil},
		{"cached, at expiry", s.Expires, ErrExpired},
		{"cached, long after", s.Expires.Add(48 * time.Hour), ErrExpired},
		{"cached, before expiry again", s.Expires.Add(-time.Second), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := sc.Parse(stok, tt.now)
			checkErr(t, err, tt.want)
			if sc.Len() != 1 {
				t.Errorf("got %d cached sessions, want 1", sc.Len())
			}
		})
	}
	if _, err := tc.Parse(ttok, t0); err != nil {
		t.Fatal(err)
	}
	_, err := tc.Parse(ttok, tk.Expires)
	checkErr(t, err, ErrExpired)
}

// TestCacheKeyIsWholeToken checks that a token differing from a cached one
// in any byte is verified afresh, not matched loosely.
func TestCacheKeyIsWholeToken(t *testing.T) {
	r := mustRing(t, secret(1))
	c := NewSessionCache(r, 16)
	tok := mustSign(t, r.SignSession, sampleSession())
	if _, err := c.Parse([]byte(tok), t0); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{tok + "A", tok[:len(tok)-1], " " + tok, strings.Replace(tok, ".", ".A", 1)} {
		if _, err := c.Parse([]byte(bad), t0); err == nil {
			t.Errorf("%q: accepted as a variant of a cached token", bad)
		}
	}
}

func TestCacheHitDoesNotAllocate(t *testing.T) {
	r := mustRing(t, secret(1))
	sc := NewSessionCache(r, 0)
	tc := NewTicketCache(r, 0)
	stok := []byte(mustSign(t, r.SignSession, sampleSession()))
	ttok := []byte(mustSign(t, r.SignTicket, sampleTicket()))
	expired := sampleSession().Expires
	long := make([]byte, MaxTokenLen+1)
	absent := []byte("absent")
	tests := []struct {
		name string
		f    func()
	}{
		{"session hit", func() { _, _ = sc.Parse(stok, t0) }},
		{"session hit, expired", func() { _, _ = sc.Parse(stok, expired) }},
		{"ticket hit", func() { _, _ = tc.Parse(ttok, t0) }},
		{"too long", func() { _, _ = sc.Parse(long, t0) }},
		{"forget absent", func() { sc.Forget(absent) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.f() // fill the cache
			if n := testing.AllocsPerRun(1000, tt.f); n != 0 {
				t.Errorf("got %v allocations per call, want 0", n)
			}
		})
	}
}

func TestCacheBounded(t *testing.T) {
	r := mustRing(t, secret(1))
	for _, max := range []int{1, 2, 3, 63, 64, 100, 1000} {
		t.Run(fmt.Sprint(max), func(t *testing.T) {
			c := NewSessionCache(r, max)
			for i := range 3*max + 10 {
				s := Session{Room: "ps5", ID: fmt.Sprint("s", i), Expires: t0.Add(time.Hour)}
				tok := mustSign(t, r.SignSession, s)
				got, err := c.Parse([]byte(tok), t0)
				if err != nil || got.ID != s.ID {
					t.Fatalf("token %d: got %+v, %v", i, got, err)
				}
				if c.Len() > max {
					t.Fatalf("after %d tokens: %d cached, want at most %d", i+1, c.Len(), max)
				}
			}
		})
	}
}

// TestCacheEvictsExpiredFirst fills a one-shard cache with two expired and
// two live entries: the next insert makes room by dropping the expired ones.
func TestCacheEvictsExpiredFirst(t *testing.T) {
	c := verifiedCache[string]{seed: maphash.MakeSeed(), perShard: 4, shards: make([]cacheShard[string], 1)}
	c.shards[0].m = make(map[string]cacheEntry[string])
	now := t0.Add(time.Minute)
	for _, e := range []struct {
		tok string
		exp time.Time
	}{{"old1", t0}, {"live1", t0.Add(time.Hour)}, {"old2", now}, {"live2", t0.Add(time.Hour)}, {"new", t0.Add(time.Hour)}} {
		c.put([]byte(e.tok), e.tok, e.exp, now)
	}
	for tok, want := range map[string]bool{"old1": false, "old2": false, "live1": true, "live2": true, "new": true} {
		if _, ok := c.shards[0].m[tok]; ok != want {
			t.Errorf("%s cached: got %v, want %v", tok, ok, want)
		}
	}
}

// TestCacheStaysFullWhenEvicting: an insert into a full shard whose
// entries are all live drops one of them, not half, so the cache keeps
// answering from as many as it may hold.
func TestCacheStaysFullWhenEvicting(t *testing.T) {
	c := verifiedCache[string]{seed: maphash.MakeSeed(), perShard: 100, shards: make([]cacheShard[string], 1)}
	c.shards[0].m = make(map[string]cacheEntry[string])
	for i := range 150 {
		tok := fmt.Sprint("tok", i)
		c.put([]byte(tok), tok, t0.Add(time.Hour), t0)
		if want := min(i+1, 100); c.len() != want {
			t.Fatalf("after %d inserts: %d cached, want %d", i+1, c.len(), want)
		}
		if _, ok, _ := c.get([]byte(tok), t0); !ok {
			t.Fatalf("%s not cached right after its insert", tok)
		}
	}
}

// TestSessionCacheLive lists the sessions valid at now, each once.
func TestSessionCacheLive(t *testing.T) {
	r := mustRing(t, secret(1))
	c := NewSessionCache(r, 1000)
	want := map[string]bool{}
	for i := range 300 {
		s := Session{Room: "ps5", ID: fmt.Sprint("s", i), Expires: t0.Add(time.Duration(1+i%3) * time.Minute)}
		if _, err := c.Parse([]byte(mustSign(t, r.SignSession, s)), t0); err != nil {
			t.Fatal(err)
		}
		if i%3 != 0 {
			want[s.ID] = true // still valid at t0+1m
		}
	}
	got := map[string]bool{}
	c.Live(t0.Add(time.Minute), func(s Session) {
		if got[s.ID] {
			t.Errorf("%s listed twice", s.ID)
		}
		got[s.ID] = true
	})
	if !maps.Equal(got, want) {
		t.Errorf("Live listed %d sessions, want the %d valid ones", len(got), len(want))
	}
}

func TestCacheForget(t *testing.T) {
	r := mustRing(t, secret(1))
	sc := NewSessionCache(r, 16)
	tc := NewTicketCache(r, 16)
	stok := []byte(mustSign(t, r.SignSession, sampleSession()))
	ttok := []byte(mustSign(t, r.SignTicket, sampleTicket()))
	if _, err := sc.Parse(stok, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := tc.Parse(ttok, t0); err != nil {
		t.Fatal(err)
	}
	sc.Forget(stok)
	tc.Forget(ttok)
	if sc.Len() != 0 || tc.Len() != 0 {
		t.Fatalf("after Forget: %d sessions, %d tickets cached, want 0", sc.Len(), tc.Len())
	}
	// Forgetting only drops the memo; the token itself is still valid.
	if _, err := sc.Parse(stok, t0); err != nil {
		t.Fatal(err)
	}
}

func TestCacheFailuresNotCached(t *testing.T) {
	r := mustRing(t, secret(1))
	c := NewSessionCache(r, 16)
	toks := []string{
		craft(t, header(KindSession, "HS256", r.KeyID()), sessionMap(), hs256(secret(2))),
		mustSign(t, r.SignSession, Session{Room: "ps5", ID: "x", Expires: t0}),
		"a.b.c",
	}
	for _, tok := range toks {
		if _, err := c.Parse([]byte(tok), t0); err == nil {
			t.Fatalf("%q accepted", tok)
		}
	}
	if c.Len() != 0 {
		t.Fatalf("got %d cached, want 0", c.Len())
	}
}

// TestCacheConcurrent is for `go test -race`: parses, forgets and evictions
// from many goroutines at once.
func TestCacheConcurrent(t *testing.T) {
	r := mustRing(t, secret(1))
	c := NewSessionCache(r, 64)
	toks := make([][]byte, 200)
	for i := range toks {
		toks[i] = []byte(mustSign(t, r.SignSession, Session{Room: "ps5", ID: fmt.Sprint("s", i), Expires: t0.Add(time.Hour)}))
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 2000 {
				tok := toks[(i*7+g)%len(toks)]
				if i%50 == 0 {
					c.Forget(tok)
					continue
				}
				s, err := c.Parse(tok, t0)
				if err != nil || !strings.HasPrefix(s.ID, "s") {
					t.Errorf("got %+v, %v", s, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkSessionCacheHit(b *testing.B) {
	r := mustRing(b, secret(1))
	c := NewSessionCache(r, 0)
	tok := []byte(mustSign(b, r.SignSession, sampleSession()))
	if _, err := c.Parse(tok, t0); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Parse(tok, t0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSessionCacheHitParallel is the gateway's shape: every core
// looking up (different) sessions at once.
func BenchmarkSessionCacheHitParallel(b *testing.B) {
	r := mustRing(b, secret(1))
	c := NewSessionCache(r, 0)
	toks := make([][]byte, 1024)
	for i := range toks {
		toks[i] = []byte(mustSign(b, r.SignSession, Session{Room: "ps5", ID: fmt.Sprintf("%032x", i), Expires: t0.Add(time.Hour)}))
		if _, err := c.Parse(toks[i], t0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := c.Parse(toks[i&1023], t0); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}

func BenchmarkParseTicketCached(b *testing.B) {
	r := mustRing(b, secret(1))
	c := NewTicketCache(r, 0)
	tok := []byte(mustSign(b, r.SignTicket, sampleTicket()))
	if _, err := c.Parse(tok, t0); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Parse(tok, t0); err != nil {
			b.Fatal(err)
		}
	}
}

// eachTimed is each, returning the longest it held a shard's lock.
func (c *verifiedCache[T]) eachTimed(now time.Time, fn func(T)) time.Duration {
	var longest time.Duration
	buf := make([]T, 0, c.perShard)
	for i := range c.shards {
		t := time.Now()
		buf = c.shards[i].valid(now, buf[:0])
		longest = max(longest, time.Since(t))
		for _, v := range buf {
			fn(v)
		}
	}
	return longest
}
