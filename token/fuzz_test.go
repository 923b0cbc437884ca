package token

import (
	"crypto/ed25519"
	"strings"
	"testing"
	"time"
)

// fuzzSeeds returns tokens that reach every branch of the parser: valid ones
// of each kind, and the ways of being almost valid.
func fuzzSeeds(f *testing.F, r *Ring, kind Kind) []string {
	ps := mustSigner(f, edKey(1))
	key := hs256(secret(1))
	h := header(kind, "HS256", r.KeyID())
	c := ticketMap()
	if kind == KindSession {
		c = sessionMap()
	}
	ticket := mustSign(f, r.SignTicket, sampleTicket())
	session := mustSign(f, r.SignSession, sampleSession())
	return []string{
		ticket,
		session,
		mustSign(f, r.SignTicket, Ticket{Room: "r", Number: 1, Device: "d", Expires: t0.Add(time.Second)}),
		mustSign(f, ps.Sign, samplePurchase()),
		craft(f, h, c, key),
		craft(f, h, with(c, "exp", t0.Unix()), key),
		craft(f, h, with(c, "exp", del{}), key),
		craft(f, h, with(c, "nbf", 1), key),
		craft(f, h, with(c, "n", 0, "sid", ""), key),
		craft(f, h, with(c, "aud", []string{"anteroom:ticket", "anteroom:session"}), key),
		craft(f, with(h, "alg", "none"), c, noSig),
		craft(f, with(h, "alg", "HS384"), c, hs384(secret(1))),
		craft(f, with(h, "kid", "0000000000000000"), c, key),
		craft(f, with(h, "typ", "JWT"), c, key),
		craft(f, h, c, hs256(secret(2))),
		ticket[:len(ticket)-1],
		session + "A",
		strings.Replace(session, ".", "=.", 1),
		"",
		"..",
		"a.b.c",
		"e30.e30.",
		strings.Repeat("A", MaxTokenLen+1),
	}
}

// checkFuzzErr checks what one parse returned: an error must be a bare
// sentinel, and a cached parse must agree with the uncached one.
func checkFuzzErr[T comparable](t *testing.T, got T, err error, cached T, cachedErr error) {
	t.Helper()
	if err != nil && !isSentinel(err) {
		t.Fatalf("error %v is not one of the sentinels", err)
	}
	if cached != got || cachedErr != err {
		t.Fatalf("cache: got %+v, %v; want %+v, %v", cached, cachedErr, got, err)
	}
}

func FuzzParseTicket(f *testing.F) {
	r := mustRing(f, secret(1))
	c := NewTicketCache(r, 256)
	for _, s := range fuzzSeeds(f, r, KindTicket) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, tok []byte) {
		got, err := r.ParseTicket(tok, t0)
		cached, cachedErr := c.Parse(tok, t0)
		checkFuzzErr(t, got, err, cached, cachedErr)
		if err != nil {
			return
		}
		// Whatever is accepted must survive being signed and parsed again.
		again, err := r.SignTicket(got)
		if err != nil {
			t.Fatalf("re-signing accepted %+v: %v", got, err)
		}
		back, err := r.ParseTicket([]byte(again), t0)
		if err != nil || back != got {
			t.Fatalf("round trip: got %+v, %v; want %+v", back, err, got)
		}
	})
}

func FuzzParseSession(f *testing.F) {
	r := mustRing(f, secret(1))
	c := NewSessionCache(r, 256)
	for _, s := range fuzzSeeds(f, r, KindSession) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, tok []byte) {
		got, err := r.ParseSession(tok, t0)
		cached, cachedErr := c.Parse(tok, t0)
		checkFuzzErr(t, got, err, cached, cachedErr)
		if err != nil {
			return
		}
		again, err := r.SignSession(got)
		if err != nil {
			t.Fatalf("re-signing accepted %+v: %v", got, err)
		}
		back, err := r.ParseSession([]byte(again), t0)
		if err != nil || back != got {
			t.Fatalf("round trip: got %+v, %v; want %+v", back, err, got)
		}
	})
}

func FuzzParsePurchase(f *testing.F) {
	s := mustSigner(f, edKey(1))
	ks := s.KeySet()
	r := mustRing(f, secret(1))
	h, c := header(KindPurchase, "EdDSA", s.KeyID()), purchaseMap()
	for _, tok := range []string{
		mustSign(f, s.Sign, samplePurchase()),
		craft(f, h, c, edSign(edKey(1))),
		craft(f, h, with(c, "exp", t0.Unix()), edSign(edKey(1))),
		craft(f, with(h, "alg", "HS256"), c, hs256(edKey(1).Public().(ed25519.PublicKey))),
		craft(f, with(h, "alg", "none"), c, noSig),
		mustSign(f, r.SignSession, sampleSession()),
		"a.b.c",
	} {
		f.Add([]byte(tok))
	}
	f.Fuzz(func(t *testing.T, tok []byte) {
		got, err := ks.ParsePurchase(tok, t0)
		if err != nil {
			if !isSentinel(err) {
				t.Fatalf("error %v is not one of the sentinels", err)
			}
			return
		}
		again, err := s.Sign(got)
		if err != nil {
			t.Fatalf("re-signing accepted %+v: %v", got, err)
		}
		back, err := ks.ParsePurchase([]byte(again), t0)
		if err != nil || back != got {
			t.Fatalf("round trip: got %+v, %v; want %+v", back, err, got)
		}
	})
}
