package token

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"
)

// The reference signer is how Ring signed before sign.go: claims structs
// marshalled by golang-jwt. The Ring's own signer must produce the very same
// bytes, and both must parse to the same values.

func ticketToClaims(t Ticket) *ticketClaims {
	return &ticketClaims{
		Room:             t.Room,
		Number:           t.Number,
		Prequeue:         t.Prequeue,
		Line:             t.Line,
		Device:           t.Device,
		RegisteredClaims: registered(ticketSpec, t.IssuedAt, t.Expires),
	}
}

func sessionToClaims(s Session) *sessionClaims {
	c := &sessionClaims{
		Room:             s.Room,
		SID:              s.ID,
		RegisteredClaims: registered(sessionSpec, s.IssuedAt, s.Expires),
	}
	c.Subject = s.ID
	return c
}

func refSign(s *kindSpec, r *Ring, c jwt.Claims) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	t.Header["typ"] = s.typ
	t.Header["kid"] = r.kid
	out, err := t.SignedString(r.key)
	if err != nil {
		return "", fmt.Errorf("signing %s: %w", s.kind, err)
	}
	if len(out) > MaxTokenLen {
		return "", fmt.Errorf("signing %s: %w (%d bytes)", s.kind, ErrTooLong, len(out))
	}
	return out, nil
}

func refSignTicket(r *Ring, t Ticket) (string, error) {
	c := ticketToClaims(t)
	if err := c.Validate(); err != nil {
		return "", fmt.Errorf("signing ticket: %w", err)
	}
	return refSign(ticketSpec, r, c)
}

func refSignSession(r *Ring, s Session) (string, error) {
	c := sessionToClaims(s)
	if err := c.Validate(); err != nil {
		return "", fmt.Errorf("signing session: %w", err)
	}
	return refSign(sessionSpec, r, c)
}

// jsonRoundTrip is what a string becomes through encoding/json: the same,
// unless it holds invalid UTF-8, each byte of which becomes U+FFFD.
func jsonRoundTrip(tb testing.TB, s string) string {
	tb.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		tb.Fatal(err)
	}
	var out string
	if err := json.Unmarshal(b, &out); err != nil {
		tb.Fatal(err)
	}
	return out
}

// wantTicket is what parsing a token signed from t returns.
func wantTicket(tb testing.TB, t Ticket) Ticket {
	t = normTicket(t)
	t.Room, t.Device = jsonRoundTrip(tb, t.Room), jsonRoundTrip(tb, t.Device)
	return t
}

func wantSession(tb testing.TB, s Session) Session {
	s = normSession(s)
	s.Room, s.ID = jsonRoundTrip(tb, s.Room), jsonRoundTrip(tb, s.ID)
	return s
}

// parseTime is a moment just before exp, at which a token is still valid.
func parseTime(exp time.Time) time.Time { return time.Unix(exp.Unix()-1, 0) }

var (
	farFuture = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
	// The largest time a float64 "exp" carries to the second.
	maxExactTime = time.Unix(1<<53-1, 0)
	beforeYear1  = time.Date(-3, 6, 1, 12, 0, 0, 500, time.UTC)
	tokyo        = time.FixedZone("JST", 9*60*60)
)

var signTickets = []struct {
	name string
	in   Ticket
}{
	{"sample", sampleTicket()},
	{"max number", Ticket{Room: "ps5", Number: math.MaxUint64, Device: "ab", IssuedAt: t0, Expires: t0.Add(time.Hour)}},
	{"number 1", Ticket{Room: "ps5", Number: 1, Device: "ab", Expires: t0.Add(time.Hour)}},
	{"no iat", Ticket{Room: "r", Number: 3, Device: "d", Expires: t0.Add(time.Second)}},
	{"iat at the epoch", Ticket{Room: "r", Number: 3, Device: "d", IssuedAt: time.Unix(0, 0), Expires: t0}},
	{"iat before 1970", Ticket{Room: "r", Number: 3, Device: "d", IssuedAt: time.Unix(-1, 500), Expires: t0}},
	{"exp before 1970", Ticket{Room: "r", Number: 3, Device: "d", Expires: time.Unix(-86400*365, 999999999)}},
	{"exp before year 1", Ticket{Room: "r", Number: 3, Device: "d", IssuedAt: beforeYear1.Add(-time.Hour), Expires: beforeYear1}},
	{"far future", Ticket{Room: "r", Number: 3, Device: "d", IssuedAt: farFuture, Expires: farFuture}},
	{"largest exact time", Ticket{Room: "r", Number: 3, Device: "d", IssuedAt: maxExactTime, Expires: maxExactTime}},
	{"sub-second times", Ticket{Room: "r", Number: 3, Device: "d", IssuedAt: t0.Add(300 * time.Millisecond), Expires: t0.Add(time.Hour + 999*time.Millisecond)}},
	{"other location", Ticket{Room: "r", Number: 3, Device: "d", IssuedAt: t0.In(tokyo), Expires: t0.Add(time.Hour).In(tokyo)}},
	{"unicode room", Ticket{Room: "drop/ゲーム 5 🎮", Number: 9, Device: "ab", Expires: t0.Add(time.Hour)}},
	{"quotes and backslashes", Ticket{Room: `"ps5" \ "xbox"\`, Number: 9, Device: `a"b\`, Expires: t0.Add(time.Hour)}},
	{"control characters", Ticket{Room: "a\x00b\x01\b\f\n\r\t\x1f\x7f", Number: 9, Device: "\n", Expires: t0.Add(time.Hour)}},
	{"html characters", Ticket{Room: "<script>&amp;</script>", Number: 9, Device: "&", Expires: t0.Add(time.Hour)}},
	{"line separators", Ticket{Room: "a\u2028b\u2029c", Number: 9, Device: "\u2029", Expires: t0.Add(time.Hour)}},
	{"invalid utf-8", Ticket{Room: "a\xffb\xc3\x28\xed\xa0\x80", Number: 9, Device: "\xe2\x82", Expires: t0.Add(time.Hour)}},
	{"long room", Ticket{Room: strings.Repeat("r", 400), Number: math.MaxUint64, Prequeue: true, Device: strings.Repeat("f", 32), IssuedAt: t0, Expires: t0.Add(24 * time.Hour)}},
}

var signSessions = []struct {
	name string
	in   Session
}{
	{"sample", sampleSession()},
	{"no iat", Session{Room: "ps5", ID: "x", Expires: t0.Add(time.Minute)}},
	{"iat at the epoch", Session{Room: "ps5", ID: "x", IssuedAt: time.Unix(0, 0), Expires: t0}},
	{"exp before 1970", Session{Room: "ps5", ID: "x", IssuedAt: time.Unix(-100, 0), Expires: time.Unix(-1, 1)}},
	{"exp before year 1", Session{Room: "ps5", ID: "x", Expires: beforeYear1}},
	{"far future", Session{Room: "ps5", ID: "x", IssuedAt: farFuture, Expires: farFuture}},
	{"largest exact time", Session{Room: "ps5", ID: "x", Expires: maxExactTime}},
	{"sub-second expiry", Session{Room: "ps5", ID: "x", Expires: t0.Add(1500 * time.Millisecond)}},
	{"other location", Session{Room: "ps5", ID: "x", IssuedAt: t0.In(tokyo), Expires: t0.Add(time.Hour).In(tokyo)}},
	{"unicode", Session{Room: "ゲーム", ID: "セッション", Expires: t0.Add(time.Hour)}},
	{"quotes and escapes", Session{Room: `"\/<>&`, ID: "\"\t\u2028\x00", Expires: t0.Add(time.Hour)}},
	{"invalid utf-8", Session{Room: "\x80", ID: "id\xff", Expires: t0.Add(time.Hour)}},
}

// TestSignTicketMatchesReference: the Ring's token is byte-for-byte the one
// golang-jwt signs, and both parse back, strictly, to the ticket signed.
func TestSignTicketMatchesReference(t *testing.T) {
	r := mustRing(t, secret(1))
	for _, tt := range signTickets {
		t.Run(tt.name, func(t *testing.T) {
			tok := mustSign(t, r.SignTicket, tt.in)
			ref, err := refSignTicket(r, tt.in)
			if err != nil {
				t.Fatalf("reference: %v", err)
			}
			if tok != ref {
				t.Errorf("got token\n%s\nwant (golang-jwt)\n%s", tok, ref)
			}
			want := wantTicket(t, tt.in)
			now := parseTime(tt.in.Expires)
			for _, tok := range []string{tok, ref} {
				got, err := r.ParseTicket([]byte(tok), now)
				if err != nil {
					t.Fatalf("ParseTicket(%s): %v", tok, err)
				}
				if got := normTicket(got); got != want {
					t.Errorf("got %+v, want %+v", got, want)
				}
			}
		})
	}
}

func TestSignSessionMatchesReference(t *testing.T) {
	r := mustRing(t, secret(1))
	for _, tt := range signSessions {
		t.Run(tt.name, func(t *testing.T) {
			tok := mustSign(t, r.SignSession, tt.in)
			ref, err := refSignSession(r, tt.in)
			if err != nil {
				t.Fatalf("reference: %v", err)
			}
			if tok != ref {
				t.Errorf("got token\n%s\nwant (golang-jwt)\n%s", tok, ref)
			}
			want := wantSession(t, tt.in)
			now := parseTime(tt.in.Expires)
			for _, tok := range []string{tok, ref} {
				got, err := r.ParseSession([]byte(tok), now)
				if err != nil {
					t.Fatalf("ParseSession(%s): %v", tok, err)
				}
				if got := normSession(got); got != want {
					t.Errorf("got %+v, want %+v", got, want)
				}
			}
		})
	}
}

// decodeSegments decodes a token's header and claims as generic JSON, with
// numbers kept as written.
func decodeSegments(t *testing.T, tok string) (header, claims map[string]any) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q has %d segments, want 3", tok, len(parts))
	}
	decode := func(seg string) map[string]any {
		b, err := base64.RawURLEncoding.Strict().DecodeString(seg)
		if err != nil {
			t.Fatalf("segment %q: %v", seg, err)
		}
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		var m map[string]any
		if err := d.Decode(&m); err != nil {
			t.Fatalf("segment %s: %v", b, err)
		}
		if d.More() {
			t.Fatalf("segment %s: data after the object", b)
		}
		return m
	}
	sig, err := base64.RawURLEncoding.Strict().DecodeString(parts[2])
	if err != nil || len(sig) != 32 {
		t.Fatalf("signature %q: %d bytes, %v; want 32", parts[2], len(sig), err)
	}
	return decode(parts[0]), decode(parts[1])
}

func num(n any) json.Number { return json.Number(fmt.Sprint(n)) }

// TestSignedJSON checks the decoded header and claims field by field: exactly
// these fields, these JSON types, and nothing else.
func TestSignedJSON(t *testing.T) {
	r := mustRing(t, secret(1))
	tests := []struct {
		name         string
		tok          string
		header, want map[string]any
	}{
		{
			"ticket",
			mustSign(t, r.SignTicket, Ticket{Room: `a"<\`, Number: math.MaxUint64, Prequeue: true, Device: "dev", IssuedAt: time.Unix(-5, 1), Expires: farFuture}),
			map[string]any{"alg": "HS256", "kid": r.KeyID(), "typ": "anteroom-ticket+jwt"},
			map[string]any{
				"room": `a"<\`, "n": num(uint64(math.MaxUint64)), "pq": true, "dev": "dev",
				"iss": "anteroom", "aud": []any{"anteroom:ticket"},
				"iat": num(-5), "exp": num(farFuture.Unix()),
			},
		},
		{
			"ticket, not prequeue, no iat",
			mustSign(t, r.SignTicket, Ticket{Room: "ps5", Number: 1, Device: "d", Expires: t0}),
			map[string]any{"alg": "HS256", "kid": r.KeyID(), "typ": "anteroom-ticket+jwt"},
			map[string]any{
				"room": "ps5", "n": num(1), "dev": "d",
				"iss": "anteroom", "aud": []any{"anteroom:ticket"}, "exp": num(t0.Unix()),
			},
		},
		{
			"session",
			mustSign(t, r.SignSession, Session{Room: "ゲーム\u2028", ID: "c0ffee", IssuedAt: time.Unix(0, 0), Expires: t0.Add(time.Second - 1)}),
			map[string]any{"alg": "HS256", "kid": r.KeyID(), "typ": "anteroom-session+jwt"},
			map[string]any{
				"room": "ゲーム\u2028", "sid": "c0ffee", "sub": "c0ffee",
				"iss": "anteroom", "aud": []any{"anteroom:session"},
				"iat": num(0), "exp": num(t0.Unix()),
			},
		},
		{
			"session, no iat",
			mustSign(t, r.SignSession, Session{Room: "r", ID: "x", Expires: t0}),
			map[string]any{"alg": "HS256", "kid": r.KeyID(), "typ": "anteroom-session+jwt"},
			map[string]any{
				"room": "r", "sid": "x", "sub": "x",
				"iss": "anteroom", "aud": []any{"anteroom:session"}, "exp": num(t0.Unix()),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, c := decodeSegments(t, tt.tok)
			if !reflect.DeepEqual(h, tt.header) {
				t.Errorf("got header %#v, want %#v", h, tt.header)
			}
			if !reflect.DeepEqual(c, tt.want) {
				t.Errorf("got claims %#v, want %#v", c, tt.want)
			}
		})
	}
}

// TestAppendJSONString holds the escaper to encoding/json's output for every
// byte, the runes it treats specially, and invalid UTF-8.
func TestAppendJSONString(t *testing.T) {
	var in []string
	for b := range 256 {
		in = append(in, string([]byte{byte(b)}), "x"+string([]byte{byte(b)})+"y")
	}
	in = append(in, "", "plain", "ゲーム", "🎮", "\u2028", "\u2029", "a\u2028b\u2029c",
		"\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\xc3\x28", "é\xff", string(utf8.RuneError))
	for _, s := range in {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendJSONString([]byte("prefix"), s); string(got) != "prefix"+string(want) {
			t.Errorf("appendJSONString(%q): got %s, want %s", s, got[len("prefix"):], want)
		}
	}
}

// TestSignReusesBuffers signs tokens of falling, rising and refused sizes in
// turn, so a pooled buffer left over from one token cannot show in the next.
func TestSignReusesBuffers(t *testing.T) {
	r := mustRing(t, secret(1))
	rooms := []string{strings.Repeat("r", 500), "a", strings.Repeat("r", 2*MaxTokenLen), "b", strings.Repeat("ゲ", 100), "c"}
	for _, room := range rooms {
		tk := Ticket{Room: room, Number: 7, Device: "d", Expires: t0.Add(time.Hour)}
		got, err := r.SignTicket(tk)
		want, wantErr := refSignTicket(r, tk)
		if got != want || fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Errorf("room of %d bytes: got %q, %v; want %q, %v", len(room), got, err, want, wantErr)
		}
		s := Session{Room: room, ID: "id", Expires: t0.Add(time.Hour)}
		gotS, err := r.SignSession(s)
		wantS, wantErr := refSignSession(r, s)
		if gotS != wantS || fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Errorf("session room of %d bytes: got %q, %v; want %q, %v", len(room), gotS, err, wantS, wantErr)
		}
	}
}

// TestSignRefusesLikeReference: the same checks in the same order, and the
// same messages, as the claims' Validate and the old length check.
func TestSignRefusesLikeReference(t *testing.T) {
	r := mustRing(t, secret(1))
	long := strings.Repeat("r", MaxTokenLen)
	tickets := []Ticket{
		{},
		{Room: "r"},
		{Room: "r", Number: 1},
		{Room: "r", Number: 1, Device: "d"},
		{Number: 1, Device: "d", Expires: t0},
		{Room: "r", Device: "d", Expires: t0},
		{Room: long, Number: 1, Device: "d", Expires: t0},
		{Room: "r", Number: 1, Device: long[:700], Expires: t0},
	}
	for _, tk := range tickets {
		_, err := r.SignTicket(tk)
		_, want := refSignTicket(r, tk)
		if err == nil || want == nil || err.Error() != want.Error() {
			t.Errorf("SignTicket(%.40v): got error %v, want %v", tk, err, want)
		}
	}
	sessions := []Session{
		{},
		{Room: "r"},
		{Room: "r", ID: "x"},
		{ID: "x", Expires: t0},
		{Room: "r", Expires: t0},
		{Room: "r", ID: long, Expires: t0},
	}
	for _, s := range sessions {
		_, err := r.SignSession(s)
		_, want := refSignSession(r, s)
		if err == nil || want == nil || err.Error() != want.Error() {
			t.Errorf("SignSession(%.40v): got error %v, want %v", s, err, want)
		}
	}
}

// TestSignAllocs: signing allocates the returned string and nothing else.
func TestSignAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	r := mustRing(t, secret(1))
	tk, s := sampleTicket(), sampleSession()
	tests := []struct {
		name string
		f    func()
	}{
		{"ticket", func() { mustSign(t, r.SignTicket, tk) }},
		{"session", func() { mustSign(t, r.SignSession, s) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n := testing.AllocsPerRun(1000, tt.f); n > 1 {
				t.Errorf("got %v allocations per call, want 1", n)
			}
		})
	}
}

// TestSignAndParseConcurrently shares one ring between goroutines that sign
// and parse different tokens; run with -race it also checks that pooled
// buffers and the shared parsers are not shared by two calls at once.
func TestSignAndParseConcurrently(t *testing.T) {
	r := mustRing(t, secret(1))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				tk := Ticket{Room: strings.Repeat("r", 1+(g*31+i)%90), Number: uint64(g*1000 + i + 1), Device: "d", IssuedAt: t0, Expires: t0.Add(time.Duration(i+1) * time.Second)}
				s := Session{Room: "ps5", ID: fmt.Sprint("s", g, "-", i), Expires: t0.Add(time.Duration(i+1) * time.Second)}
				tok, err := r.SignTicket(tk)
				if err != nil {
					t.Error(err)
					return
				}
				if got, err := r.ParseTicket([]byte(tok), t0); err != nil || normTicket(got) != normTicket(tk) {
					t.Errorf("ticket: got %+v, %v; want %+v", got, err, normTicket(tk))
					return
				}
				stok, err := r.SignSession(s)
				if err != nil {
					t.Error(err)
					return
				}
				if got, err := r.ParseSession([]byte(stok), t0); err != nil || normSession(got) != normSession(s) {
					t.Errorf("session: got %+v, %v; want %+v", got, err, normSession(s))
					return
				}
				if _, err := r.ParseSession([]byte(stok), s.Expires); err != ErrExpired {
					t.Errorf("session at its expiry: got %v, want %v", err, ErrExpired)
					return
				}
			}
		})
	}
	wg.Wait()
}

// FuzzSignParseRoundTrip signs arbitrary tickets and sessions: the token must
// be the reference signer's, byte for byte (or both must refuse, alike), and
// must parse back to what was signed.
func FuzzSignParseRoundTrip(f *testing.F) {
	f.Add("ps5", "9f86d081884c7d65", "c0ffee", uint64(42), true, t0.Unix(), int64(0), t0.Add(time.Hour).Unix(), int64(0))
	f.Add("r", "d", "x", uint64(math.MaxUint64), false, int64(0), int64(1), int64(1), int64(999999999))
	f.Add("drop/ゲーム 5", "ab", "セ", uint64(1), false, int64(-1), int64(500), farFuture.Unix(), int64(0))
	f.Add(`"q"\<&>`, "\x00\n", "\u2028", uint64(7), true, int64(0), int64(0), maxExactTime.Unix(), int64(0))
	f.Add("\xff\xc3\x28", "\xed\xa0\x80", "\x80", uint64(7), false, beforeYear1.Unix(), int64(0), beforeYear1.Unix(), int64(0))
	f.Add("", "", "", uint64(0), false, int64(0), int64(0), int64(0), int64(0))
	f.Add(strings.Repeat("r", 700), "d", strings.Repeat("s", 700), uint64(3), false, int64(0), int64(0), int64(10), int64(0))
	f.Add("r", "d", "x", uint64(3), false, int64(math.MinInt64), int64(0), int64(math.MaxInt64), int64(0))
	r := mustRing(f, secret(1))
	f.Fuzz(func(t *testing.T, room, dev, id string, n uint64, pq bool, iatSec, iatNsec, expSec, expNsec int64) {
		var iat time.Time
		if iatSec != 0 || iatNsec != 0 {
			iat = time.Unix(iatSec, iatNsec)
		}
		var exp time.Time
		if expSec != 0 || expNsec != 0 {
			exp = time.Unix(expSec, expNsec)
		}
		// A float64 "exp" or "iat" is exact to the second only up to 2^53.
		exact := func(t time.Time) bool { u := t.Unix(); return -1<<53 < u && u < 1<<53 }
		roundTrips := exact(iat) && exact(exp)

		tk := Ticket{Room: room, Number: n, Prequeue: pq, Line: n / 3, Device: dev, IssuedAt: iat, Expires: exp}
		tok, err := r.SignTicket(tk)
		ref, refErr := refSignTicket(r, tk)
		if tok != ref || fmt.Sprint(err) != fmt.Sprint(refErr) {
			t.Fatalf("SignTicket(%+v): got %q, %v; want %q, %v", tk, tok, err, ref, refErr)
		}
		if err == nil && roundTrips {
			got, err := r.ParseTicket([]byte(tok), parseTime(exp))
			if want := wantTicket(t, tk); err != nil || normTicket(got) != want {
				t.Fatalf("ParseTicket(%s): got %+v, %v; want %+v", tok, got, err, want)
			}
		}

		s := Session{Room: room, ID: id, IssuedAt: iat, Expires: exp}
		tok, err = r.SignSession(s)
		ref, refErr = refSignSession(r, s)
		if tok != ref || fmt.Sprint(err) != fmt.Sprint(refErr) {
			t.Fatalf("SignSession(%+v): got %q, %v; want %q, %v", s, tok, err, ref, refErr)
		}
		if err == nil && roundTrips {
			got, err := r.ParseSession([]byte(tok), parseTime(exp))
			if want := wantSession(t, s); err != nil || normSession(got) != want {
				t.Fatalf("ParseSession(%s): got %+v, %v; want %+v", tok, got, err, want)
			}
		}
	})
}

// BenchmarkSignTicketGolangJWT is the reference signer, for comparison with
// BenchmarkSignTicket.
func BenchmarkSignTicketGolangJWT(b *testing.B) {
	r := mustRing(b, secret(1))
	tk := sampleTicket()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := refSignTicket(r, tk); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignSessionGolangJWT(b *testing.B) {
	r := mustRing(b, secret(1))
	s := sampleSession()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := refSignSession(r, s); err != nil {
			b.Fatal(err)
		}
	}
}
