package token

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"math"
	"strings"
	"testing"
	"time"
)

func TestNewRing(t *testing.T) {
	tests := []struct {
		name    string
		secrets [][]byte
		wantErr bool
	}{
		{"none", nil, true},
		{"short", [][]byte{secret(1)[:31]}, true},
		{"second short", [][]byte{secret(1), []byte("hunter2")}, true},
		{"empty", [][]byte{{}}, true},
		{"one", [][]byte{secret(1)}, false},
		{"two", [][]byte{secret(1), secret(2)}, false},
		{"repeated", [][]byte{secret(1), secret(1)}, false},
		{"weak", [][]byte{make([]byte, MinSecretLen)}, true},
		{"second weak", [][]byte{secret(1), bytes.Repeat([]byte("ab"), MinSecretLen)}, true},
		{"long", [][]byte{bytes.Repeat(secret(3), 64)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := NewRing(tt.secrets...)
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			sum := sha256.Sum256(tt.secrets[0])
			if got, want := r.KeyID(), hex.EncodeToString(sum[:8]); got != want {
				t.Errorf("got kid %q, want %q", got, want)
			}
		})
	}
}

func TestNewRingCopiesSecrets(t *testing.T) {
	s := secret(1)
	r := mustRing(t, s)
	tok := mustSign(t, r.SignSession, sampleSession())
	clear(s)
	if _, err := r.ParseSession([]byte(tok), t0); err != nil {
		t.Fatalf("after the caller cleared its secret: %v", err)
	}
}

func TestTicketRoundTrip(t *testing.T) {
	r := mustRing(t, secret(1))
	tests := []struct {
		name string
		in   Ticket
	}{
		{"sample", sampleTicket()},
		{"not prequeue", Ticket{Room: "ps5", Number: 1, Device: "ab", IssuedAt: t0, Expires: t0.Add(time.Hour)}},
		{"largest number", Ticket{Room: "ps5", Number: math.MaxUint64, Device: "ab", Expires: t0.Add(time.Hour)}},
		{"no iat", Ticket{Room: "r", Number: 3, Device: "ab", Expires: t0.Add(time.Second)}},
		{"sub-second times", Ticket{Room: "r", Number: 3, Device: "ab", IssuedAt: t0.Add(300 * time.Millisecond), Expires: t0.Add(time.Hour + 999*time.Millisecond)}},
		{"unicode room", Ticket{Room: "drop/ゲーム 5", Number: 9, Device: "ab", Expires: t0.Add(time.Hour)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := mustSign(t, r.SignTicket, tt.in)
			got, err := r.ParseTicket([]byte(tok), t0)
			if err != nil {
				t.Fatalf("ParseTicket: %v", err)
			}
			if got, want := normTicket(got), normTicket(tt.in); got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
}

func TestSessionRoundTrip(t *testing.T) {
	r := mustRing(t, secret(1))
	tests := []struct {
		name string
		in   Session
	}{
		{"sample", sampleSession()},
		{"no iat", Session{Room: "ps5", ID: "x", Expires: t0.Add(time.Minute)}},
		{"sub-second expiry", Session{Room: "ps5", ID: "x", Expires: t0.Add(1500 * time.Millisecond)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := mustSign(t, r.SignSession, tt.in)
			got, err := r.ParseSession([]byte(tok), t0)
			if err != nil {
				t.Fatalf("ParseSession: %v", err)
			}
			if got, want := normSession(got), normSession(tt.in); got != want {
				t.Errorf("got %+v, want %+v", got, want)
			}
		})
	}
}

// TestTokenHeader pins the envelope other implementations (and the shop, for
// purchase tokens) rely on.
func TestTokenHeader(t *testing.T) {
	r := mustRing(t, secret(1))
	ps := mustSigner(t, edKey(1))
	tests := []struct {
		name, tok, want string
	}{
		{"ticket", mustSign(t, r.SignTicket, sampleTicket()), `{"alg":"HS256","kid":"` + r.KeyID() + `","typ":"anteroom-ticket+jwt"}`},
		{"session", mustSign(t, r.SignSession, sampleSession()), `{"alg":"HS256","kid":"` + r.KeyID() + `","typ":"anteroom-session+jwt"}`},
		{"purchase", mustSign(t, ps.Sign, samplePurchase()), `{"alg":"EdDSA","kid":"` + ps.KeyID() + `","typ":"anteroom-purchase+jwt"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := base64.RawURLEncoding.DecodeString(strings.Split(tt.tok, ".")[0])
			if err != nil {
				t.Fatal(err)
			}
			if string(h) != tt.want {
				t.Errorf("got header %s, want %s", h, tt.want)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	r := mustRing(t, secret(1))
	other := mustRing(t, secret(2))
	ps := mustSigner(t, edKey(1))
	kid := r.KeyID()
	key := hs256(secret(1))

	ticket := mustSign(t, r.SignTicket, sampleTicket())
	session := mustSign(t, r.SignSession, sampleSession())
	purchase := mustSign(t, ps.Sign, samplePurchase())

	// tamper replaces the claims of a signed token, keeping its signature.
	tamper := func(tok string, claims map[string]any) string {
		forged := craft(t, map[string]any{}, claims, noSig)
		parts := strings.Split(tok, ".")
		return parts[0] + "." + strings.Split(forged, ".")[1] + "." + parts[2]
	}
	// flipSig changes the first signature character, which (unlike the last)
	// carries no padding bits, so the token stays canonical base64.
	flipSig := func(tok string) string {
		i := strings.LastIndexByte(tok, '.') + 1
		c := byte('A')
		if tok[i] == 'A' {
			c = 'B'
		}
		return tok[:i] + string(c) + tok[i+1:]
	}

	tH, sH := header(KindTicket, "HS256", kid), header(KindSession, "HS256", kid)
	tC, sC := ticketMap(), sessionMap()

	const (
		asTicket  = "ticket"
		asSession = "session"
	)
	tests := []struct {
		name string
		as   string
		tok  string
		want error
	}{
		{"ticket ok", asTicket, ticket, nil},
		{"session ok", asSession, session, nil},
		{"crafted ticket ok", asTicket, craft(t, tH, tC, key), nil},
		{"crafted session ok", asSession, craft(t, sH, sC, key), nil},

		{"tampered ticket payload", asTicket, tamper(ticket, with(tC, "n", 1)), ErrSignature},
		{"tampered session payload", asSession, tamper(session, with(sC, "sid", "someone-else", "sub", "someone-else")), ErrSignature},
		{"tampered ticket signature", asTicket, flipSig(ticket), ErrSignature},
		{"tampered session signature", asSession, flipSig(session), ErrSignature},
		{"signed by another ring", asSession, craft(t, with(sH, "kid", other.KeyID()), sC, hs256(secret(2))), ErrUnknownKey},
		{"right kid, wrong secret", asSession, craft(t, sH, sC, hs256(secret(2))), ErrSignature},
		{"no signature", asSession, craft(t, sH, sC, noSig), ErrSignature},

		{"alg none", asTicket, craft(t, with(tH, "alg", "none"), tC, noSig), ErrAlgorithm},
		{"alg None", asSession, craft(t, with(sH, "alg", "None"), sC, noSig), ErrAlgorithm},
		{"alg HS384", asTicket, craft(t, with(tH, "alg", "HS384"), tC, hs384(secret(1))), ErrAlgorithm},
		{"alg RS256", asSession, craft(t, with(sH, "alg", "RS256"), sC, fakeSig), ErrAlgorithm},
		{"alg EdDSA", asSession, craft(t, with(sH, "alg", "EdDSA"), sC, edSign(edKey(1))), ErrAlgorithm},
		{"alg unknown", asTicket, craft(t, with(tH, "alg", "XX"), tC, key), ErrAlgorithm},
		{"alg missing", asTicket, craft(t, with(tH, "alg", del{}), tC, key), ErrAlgorithm},
		{"alg not a string", asTicket, craft(t, with(tH, "alg", 256), tC, key), ErrAlgorithm},

		{"session as ticket", asTicket, session, ErrWrongKind},
		{"ticket as session", asSession, ticket, ErrWrongKind},
		{"purchase as ticket", asTicket, purchase, ErrWrongKind},
		{"purchase as session", asSession, purchase, ErrWrongKind},
		{"typ JWT", asTicket, craft(t, with(tH, "typ", "JWT"), tC, key), ErrWrongKind},
		{"typ missing", asSession, craft(t, with(sH, "typ", del{}), sC, key), ErrWrongKind},
		{"ticket typ, session aud", asTicket, craft(t, tH, with(tC, "aud", []string{"anteroom:session"}), key), ErrWrongKind},
		{"session typ, ticket aud", asSession, craft(t, sH, with(sC, "aud", "anteroom:ticket"), key), ErrWrongKind},
		{"aud missing", asTicket, craft(t, tH, with(tC, "aud", del{}), key), ErrInvalidClaims},
		{"two audiences", asTicket, craft(t, tH, with(tC, "aud", []string{"anteroom:ticket", "anteroom:session"}), key), ErrInvalidClaims},

		{"expired ticket", asTicket, craft(t, tH, with(tC, "exp", t0.Add(-time.Second).Unix()), key), ErrExpired},
		{"expired session", asSession, craft(t, sH, with(sC, "exp", t0.Add(-time.Hour).Unix()), key), ErrExpired},
		{"expires now", asSession, craft(t, sH, with(sC, "exp", t0.Unix()), key), ErrExpired},
		{"expires in a second", asSession, craft(t, sH, with(sC, "exp", t0.Unix()+1), key), nil},
		{"missing exp", asTicket, craft(t, tH, with(tC, "exp", del{}), key), ErrInvalidClaims},
		{"exp a string", asTicket, craft(t, tH, with(tC, "exp", "tomorrow"), key), ErrMalformed},
		{"nbf", asSession, craft(t, sH, with(sC, "nbf", t0.Unix()-10), key), ErrInvalidClaims},

		{"wrong iss", asTicket, craft(t, tH, with(tC, "iss", "evil"), key), ErrInvalidClaims},
		{"missing iss", asSession, craft(t, sH, with(sC, "iss", del{}), key), ErrInvalidClaims},

		{"unknown kid", asTicket, craft(t, with(tH, "kid", "0123456789abcdef"), tC, key), ErrUnknownKey},
		{"missing kid", asSession, craft(t, with(sH, "kid", del{}), sC, key), ErrUnknownKey},
		{"kid not a string", asSession, craft(t, with(sH, "kid", 7), sC, key), ErrUnknownKey},

		{"no room", asTicket, craft(t, tH, with(tC, "room", del{}), key), ErrInvalidClaims},
		{"ticket number 0", asTicket, craft(t, tH, with(tC, "n", 0), key), ErrInvalidClaims},
		{"ticket number negative", asTicket, craft(t, tH, with(tC, "n", -1), key), ErrMalformed},
		{"ticket number a string", asTicket, craft(t, tH, with(tC, "n", "1"), key), ErrMalformed},
		{"no device", asTicket, craft(t, tH, with(tC, "dev", ""), key), ErrInvalidClaims},
		{"no sid", asSession, craft(t, sH, with(sC, "sid", del{}, "sub", del{}), key), ErrInvalidClaims},
		{"sub is not sid", asSession, craft(t, sH, with(sC, "sub", "other"), key), ErrInvalidClaims},
		{"session room empty", asSession, craft(t, sH, with(sC, "room", ""), key), ErrInvalidClaims},

		{"too long", asTicket, strings.Repeat("a", MaxTokenLen+1), ErrTooLong},
		{"too long, valid prefix", asSession, session + "." + strings.Repeat("a", MaxTokenLen), ErrTooLong},
		{"empty", asTicket, "", ErrMalformed},
		{"two segments", asTicket, "a.b", ErrMalformed},
		{"four segments", asSession, session + ".x", ErrMalformed},
		{"not base64", asTicket, "!!!.???.***", ErrMalformed},
		{"padded base64", asTicket, strings.Replace(ticket, ".", "=.", 1), ErrMalformed},
		{"header not JSON", asTicket, "bm90IGpzb24." + strings.SplitN(ticket, ".", 2)[1], ErrMalformed},
		{"claims not JSON", asTicket, strings.Split(ticket, ".")[0] + ".bm90IGpzb24." + strings.Split(ticket, ".")[2], ErrMalformed},
		{"claims an array", asSession, strings.Split(session, ".")[0] + ".W10." + strings.Split(session, ".")[2], ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			switch tt.as {
			case asTicket:
				_, err = r.ParseTicket([]byte(tt.tok), t0)
			case asSession:
				_, err = r.ParseSession([]byte(tt.tok), t0)
			}
			checkErr(t, err, tt.want)
		})
	}
}

func TestErrAlgorithmIsErrSignature(t *testing.T) {
	if !errors.Is(ErrAlgorithm, ErrSignature) {
		t.Fatal("ErrAlgorithm should match ErrSignature")
	}
}

func TestRotation(t *testing.T) {
	old, next := secret(1), secret(2)
	signer := mustRing(t, old)
	tests := []struct {
		name string
		ring *Ring
		want error
	}{
		{"same ring", mustRing(t, old), nil},
		{"new key first, old kept", mustRing(t, next, old), nil},
		{"old key first", mustRing(t, old, next), nil},
		{"old key retired", mustRing(t, next), ErrUnknownKey},
	}
	ticket := mustSign(t, signer.SignTicket, sampleTicket())
	session := mustSign(t, signer.SignSession, sampleSession())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.ring.ParseTicket([]byte(ticket), t0)
			checkErr(t, err, tt.want)
			_, err = tt.ring.ParseSession([]byte(session), t0)
			checkErr(t, err, tt.want)
		})
	}

	// After rotation the new key signs, and the old ring cannot read it.
	rotated := mustRing(t, next, old)
	tok := mustSign(t, rotated.SignSession, sampleSession())
	if _, err := mustRing(t, next).ParseSession([]byte(tok), t0); err != nil {
		t.Errorf("new ring: %v", err)
	}
	_, err := signer.ParseSession([]byte(tok), t0)
	checkErr(t, err, ErrUnknownKey)
}

func TestSignRefuses(t *testing.T) {
	r := mustRing(t, secret(1))
	ok := sampleTicket()
	okS := sampleSession()
	long := strings.Repeat("r", MaxTokenLen)
	tests := []struct {
		name string
		sign func() (string, error)
		want error
	}{
		{"ticket without room", func() (string, error) { t := ok; t.Room = ""; return r.SignTicket(t) }, ErrInvalidClaims},
		{"ticket number 0", func() (string, error) { t := ok; t.Number = 0; return r.SignTicket(t) }, ErrInvalidClaims},
		{"ticket without device", func() (string, error) { t := ok; t.Device = ""; return r.SignTicket(t) }, ErrInvalidClaims},
		{"ticket without expiry", func() (string, error) { t := ok; t.Expires = time.Time{}; return r.SignTicket(t) }, ErrInvalidClaims},
		{"ticket too long", func() (string, error) { t := ok; t.Room = long; return r.SignTicket(t) }, ErrTooLong},
		{"session without room", func() (string, error) { s := okS; s.Room = ""; return r.SignSession(s) }, ErrInvalidClaims},
		{"session without id", func() (string, error) { s := okS; s.ID = ""; return r.SignSession(s) }, ErrInvalidClaims},
		{"session without expiry", func() (string, error) { s := okS; s.Expires = time.Time{}; return r.SignSession(s) }, ErrInvalidClaims},
		{"session too long", func() (string, error) { s := okS; s.ID = long; return r.SignSession(s) }, ErrTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := tt.sign()
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %q, %v; want error %v", tok, err, tt.want)
			}
		})
	}
}

// TestSignedTokensFitInACookie checks that the largest realistic tokens stay
// well under MaxTokenLen and are valid cookie values.
func TestSignedTokensFitInACookie(t *testing.T) {
	r := mustRing(t, secret(1))
	room := strings.Repeat("r", 64)
	toks := []string{
		mustSign(t, r.SignTicket, Ticket{Room: room, Number: math.MaxUint64, Prequeue: true, Device: strings.Repeat("f", 32), IssuedAt: t0, Expires: t0.Add(24 * time.Hour)}),
		mustSign(t, r.SignSession, Session{Room: room, ID: strings.Repeat("f", 32), IssuedAt: t0, Expires: t0.Add(time.Hour)}),
	}
	for _, tok := range toks {
		if len(tok) > MaxTokenLen/2 {
			t.Errorf("token is %d bytes, want at most %d", len(tok), MaxTokenLen/2)
		}
		if got := CookieValue([]byte(TicketCookie+"="+tok), TicketCookie); string(got) != tok {
			t.Errorf("token %q is not a valid cookie value", tok)
		}
	}
}

func BenchmarkSignTicket(b *testing.B) {
	r := mustRing(b, secret(1))
	tk := sampleTicket()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.SignTicket(tk); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignSession(b *testing.B) {
	r := mustRing(b, secret(1))
	s := sampleSession()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.SignSession(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseSessionUncached(b *testing.B) {
	r := mustRing(b, secret(1))
	tok := []byte(mustSign(b, r.SignSession, sampleSession()))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.ParseSession(tok, t0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseTicketUncached(b *testing.B) {
	r := mustRing(b, secret(1))
	tok := []byte(mustSign(b, r.SignTicket, sampleTicket()))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.ParseTicket(tok, t0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseForged is the cost of refusing a forged session, which no
// cache can help with.
func BenchmarkParseForged(b *testing.B) {
	r := mustRing(b, secret(1))
	tok := []byte(craft(b, header(KindSession, "HS256", r.KeyID()), sessionMap(), hs256(secret(9))))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.ParseSession(tok, t0); err != ErrSignature {
			b.Fatal(err)
		}
	}
}
