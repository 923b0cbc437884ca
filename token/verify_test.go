package token

import (
	"math"
	"testing"
	"time"
)

// Ring and KeySet parse with one golang-jwt parser per kind whose clock is
// fixed, and check "exp" against now themselves (jwt.go). The reference is
// what they did before: a parser per call with its clock at now, which
// verifyAt still does. These tests hold the two to the same answers.

func refParseTicket(r *Ring, tok []byte, now time.Time) (Ticket, error) {
	var c ticketClaims
	if len(tok) > MaxTokenLen {
		return Ticket{}, ErrTooLong
	}
	if err := ticketSpec.verifyAt(tok, now, &c, r.ticketKeys); err != nil {
		return Ticket{}, err
	}
	return c.ticket(), nil
}

func refParseSession(r *Ring, tok []byte, now time.Time) (Session, error) {
	var c sessionClaims
	if len(tok) > MaxTokenLen {
		return Session{}, ErrTooLong
	}
	if err := sessionSpec.verifyAt(tok, now, &c, r.sessionKeys); err != nil {
		return Session{}, err
	}
	return c.session(), nil
}

func refParsePurchase(ks *KeySet, tok []byte, now time.Time) (Purchase, error) {
	var c purchaseClaims
	if len(tok) > MaxTokenLen {
		return Purchase{}, ErrTooLong
	}
	if err := purchaseSpec.verifyAt(tok, now, &c, ks.keyfunc); err != nil {
		return Purchase{}, err
	}
	return c.purchase(), nil
}

// FuzzSharedParserMatchesPerCallParser parses tok as each kind at a time
// now, with the shared parsers and with a parser per call, and wants the
// same answers. The seeds are tokens whose claims are wrong in several ways
// at once, among them expiry (which the shared parser does not report
// itself), at times around their expiry and around parserClock.
func FuzzSharedParserMatchesPerCallParser(f *testing.F) {
	r := mustRing(f, secret(1))
	ps := mustSigner(f, edKey(1))
	ks := ps.KeySet()

	var toks []string
	for _, kind := range []Kind{KindTicket, KindSession} {
		key := hs256(secret(1))
		h := header(kind, "HS256", r.KeyID())
		c := ticketMap()
		if kind == KindSession {
			c = sessionMap()
		}
		toks = append(toks, fuzzSeeds(f, r, kind)...)
		toks = append(toks, claimsCases(f, h, c, key)...)
	}
	toks = append(toks, claimsCases(f, header(KindPurchase, "EdDSA", ps.KeyID()), purchaseMap(), edSign(edKey(1)))...)

	nows := []time.Time{
		t0,
		t0.Add(-time.Second),
		t0.Add(-time.Hour),
		t0.Add(-time.Hour - time.Nanosecond),
		t0.Add(time.Second / 2),
		t0.Add(time.Hour),
		t0.Add(time.Hour - time.Nanosecond),
		parserClock,
		parserClock.Add(-time.Nanosecond), // the latest clock the shared parsers cannot stand for
		time.Date(-400, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Unix(0, 0),
		farFuture,
		time.Unix(1<<62, 0),
	}
	for _, tok := range toks {
		for _, now := range nows {
			f.Add([]byte(tok), now.Unix(), int64(now.Nanosecond()))
		}
	}
	f.Fuzz(func(t *testing.T, tok []byte, sec, nsec int64) {
		now := time.Unix(sec, nsec)
		got, err := r.ParseTicket(tok, now)
		want, wantErr := refParseTicket(r, tok, now)
		if got != want || err != wantErr {
			t.Errorf("ParseTicket at %v: got %+v, %v; want %+v, %v", now, got, err, want, wantErr)
		}
		gotS, err := r.ParseSession(tok, now)
		wantS, wantErr := refParseSession(r, tok, now)
		if gotS != wantS || err != wantErr {
			t.Errorf("ParseSession at %v: got %+v, %v; want %+v, %v", now, gotS, err, wantS, wantErr)
		}
		gotP, err := ks.ParsePurchase(tok, now)
		wantP, wantErr := refParsePurchase(ks, tok, now)
		if gotP != wantP || err != wantErr {
			t.Errorf("ParsePurchase at %v: got %+v, %v; want %+v, %v", now, gotP, err, wantP, wantErr)
		}
	})
}

// claimsCases are tokens with header h signed by sign whose claims, c
// altered, are wrong in one or several ways.
func claimsCases(tb testing.TB, h, c map[string]any, sign func(string) []byte) []string {
	past := t0.Add(-time.Hour).Unix()
	future := t0.Add(time.Hour).Unix()
	return []string{
		craft(tb, h, c, sign),
		craft(tb, h, with(c, "exp", past, "iss", "evil"), sign),
		craft(tb, h, with(c, "exp", past, "iss", del{}), sign),
		craft(tb, h, with(c, "exp", past, "nbf", past), sign),
		craft(tb, h, with(c, "exp", past, "nbf", future), sign),
		craft(tb, h, with(c, "exp", past, "aud", []string{"anteroom:other"}), sign),
		craft(tb, h, with(c, "exp", past, "aud", []string{"anteroom:ticket", "anteroom:session", "anteroom:purchase"}), sign),
		craft(tb, h, with(c, "exp", past, "aud", del{}), sign),
		craft(tb, h, with(c, "exp", past, "room", ""), sign),
		craft(tb, h, with(c, "aud", []string{"x"}, "iss", "evil"), sign),
		craft(tb, h, with(c, "nbf", future), sign),
		craft(tb, h, with(c, "iat", future), sign),
		craft(tb, h, with(c, "exp", float64(t0.Unix())+0.5), sign),
		craft(tb, h, with(c, "exp", float64(t0.Unix())-0.5), sign),
		craft(tb, h, with(c, "exp", -62135596801), sign), // before year 1
		craft(tb, h, with(c, "exp", -62135596800), sign), // the zero time
		craft(tb, h, with(c, "exp", -1e300), sign),
		craft(tb, h, with(c, "exp", 1e300), sign),
		craft(tb, h, with(c, "exp", int64(math.MaxInt64)), sign),
		craft(tb, h, with(c, "exp", past), hs256(secret(2))),
	}
}

// BenchmarkParseSessionPerCallParser is the reference parse, for comparison
// with BenchmarkParseSessionUncached.
func BenchmarkParseSessionPerCallParser(b *testing.B) {
	r := mustRing(b, secret(1))
	tok := []byte(mustSign(b, r.SignSession, sampleSession()))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := refParseSession(r, tok, t0); err != nil {
			b.Fatal(err)
		}
	}
}
