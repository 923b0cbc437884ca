package gateway

import (
	"bytes"

	"github.com/valyala/fasthttp"
)

// hopHeaders are meaningful only for one connection (RFC 9110 §7.6.1) and
// are never passed on, in either direction. fasthttp frames bodies itself,
// so Transfer-Encoding goes too.
var hopHeaders = []string{
	"Connection",
	"Proxy-Connection",
	"Keep-Alive",
	"Proxy-Authenticate",
	"Proxy-Authorization",
	"Te",
	"Trailer",
	"Transfer-Encoding",
	"Upgrade",
}

// connectionTokens copies the header names listed in a Connection header
// into dst, since deleting headers moves the bytes they point into.
func connectionTokens(dst [][]byte, buf []byte, value []byte) ([][]byte, []byte) {
	for len(value) > 0 {
		var tok []byte
		if i := bytes.IndexByte(value, ','); i >= 0 {
			tok, value = value[:i], value[i+1:]
		} else {
			tok, value = value, nil
		}
		tok = bytes.TrimSpace(tok)
		if len(tok) == 0 || bytes.EqualFold(tok, []byte("close")) || bytes.EqualFold(tok, []byte("keep-alive")) {
			continue
		}
		start := len(buf)
		buf = append(buf, tok...)
		dst = append(dst, buf[start:])
	}
	return dst, buf
}

// hopScratch holds the copies connectionTokens makes, reused per request.
type hopScratch struct {
	names [][]byte
	buf   []byte
}

func (s *hopScratch) reset() {
	s.names = s.names[:0]
	s.buf = s.buf[:0]
}

// stripRequestHop strips the client's request before it goes to the
// origin: hop-by-hop headers, those the client named in any Connection
// header (a message may carry several), and what a client may not decide
// for itself (see clientMayNotSend). It looks at each header once and
// deletes only what is there: deleting by name costs a key normalisation
// each, which for the dozen names that are almost never present was a
// tenth of a proxied request's CPU.
func stripRequestHop(h *fasthttp.RequestHeader, s *hopScratch) {
	s.reset()
	for _, v := range h.PeekAll("Connection") {
		s.names, s.buf = connectionTokens(s.names, s.buf, v)
	}
	named := len(s.names)
	for k := range h.All() {
		if clientMayNotSend(k) {
			s.add(k)
		} else {
			s.addIfHop(k, named)
		}
	}
	for _, name := range s.names {
		h.DelBytes(name)
	}
}

// orders are what the origin tells anteroom in its answer's X-Anteroom-*
// headers, which never reach the shopper.
type orders struct {
	revoke  bool // X-Anteroom-Command: revoke — end this session
	release bool // X-Anteroom-Purchase: release — return the held unit
}

// stripResponseHop strips the origin's answer before it goes to the client
// in the same way, and takes out every X-Anteroom-* header, reading the
// orders among them. Deleting Connection also forgets the origin's "close",
// which was about the origin's connection: the pool has already acted on it.
func stripResponseHop(h *fasthttp.ResponseHeader, s *hopScratch) orders {
	s.reset()
	for _, v := range h.PeekAll("Connection") {
		s.names, s.buf = connectionTokens(s.names, s.buf, v)
	}
	named := len(s.names)
	var o orders
	for k, v := range h.All() {
		if hasPrefixFold(k, anteroomPrefix) {
			o.read(k[len(anteroomPrefix):], v)
			s.add(k)
		} else {
			s.addIfHop(k, named)
		}
	}
	for _, name := range s.names {
		h.DelBytes(name)
	}
	return o
}

func (o *orders) read(name, value []byte) {
	switch {
	case bytes.EqualFold(name, []byte("Command")):
		o.revoke = o.revoke || string(value) == "revoke"
	case bytes.EqualFold(name, []byte("Purchase")):
		o.release = o.release || string(value) == "release"
	}
}

// dropTrailers removes every field of a request's trailer section and the
// Trailer header announcing them, before anything reads a header. fasthttp
// reads a chunked body whole and the origin gets it with a Content-Length,
// where trailer fields have no place; folding them into the header
// section, as deleting Trailer would, is the smuggling RFC 9110 §6.5.1
// forbids. Dropped, they cannot carry X-Anteroom-*, Forwarded or anything
// else past the header rules. The common case, no trailer, only looks.
func dropTrailers(h *fasthttp.RequestHeader) {
	keys := h.PeekTrailerKeys()
	if len(keys) == 0 {
		return
	}
	// Deleting moves the bytes the keys point into.
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = string(k)
	}
	for _, k := range names {
		h.Del(k)
	}
	h.Del("Trailer")
}

// addIfHop notes k for deletion if it is hop-by-hop or one of the first
// named names (those listed in Connection).
func (s *hopScratch) addIfHop(k []byte, named int) {
	if isHop(k) || namedIn(s.names[:named], k) {
		s.add(k)
	}
}

// add notes header k for deletion, copying its name: deleting headers moves
// the bytes it points into.
func (s *hopScratch) add(k []byte) {
	start := len(s.buf)
	s.buf = append(s.buf, k...)
	s.names = append(s.names, s.buf[start:])
}

func isHop(k []byte) bool {
	for _, name := range hopHeaders {
		if len(k) == len(name) && bytes.EqualFold(k, []byte(name)) {
			return true
		}
	}
	return false
}

func namedIn(names [][]byte, k []byte) bool {
	for _, n := range names {
		if bytes.EqualFold(n, k) {
			return true
		}
	}
	return false
}

// anteroomPrefix starts every header anteroom speaks to the origin with;
// a client may not send any of them.
var anteroomPrefix = []byte("X-Anteroom-")

// forwardingHeaders are set anew by the gateway; a client's are dropped.
var forwardingHeaders = []string{"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Real-Ip", "Forwarded"}

// clientMayNotSend names what a client may not decide for itself: any
// X-Anteroom-* header, and the X-Forwarded-* family and Forwarded.
func clientMayNotSend(k []byte) bool {
	if hasPrefixFold(k, anteroomPrefix) {
		return true
	}
	for _, name := range forwardingHeaders {
		if len(k) == len(name) && bytes.EqualFold(k, []byte(name)) {
			return true
		}
	}
	return false
}

func hasPrefixFold(s, prefix []byte) bool {
	return len(s) >= len(prefix) && bytes.EqualFold(s[:len(prefix)], prefix)
}

// anteroomCookie starts the names of anteroom's own cookies.
var anteroomCookie = []byte("anteroom_")

// stripOwnCookies removes anteroom's cookies from the request sent to the
// origin: the origin has no use for the tokens (it gets the session id in
// X-Anteroom-Session) and should never log them. The shop's cookies stay,
// in their order. The common case, no cookie of ours, only looks.
func stripOwnCookies(h *fasthttp.RequestHeader, buf []byte) []byte {
	ours := false
	for k := range h.Cookies() { // every Cookie header, parsed
		if bytes.HasPrefix(k, anteroomCookie) {
			ours = true
			break
		}
	}
	if !ours {
		return buf
	}
	buf = buf[:0]
	for k, v := range h.Cookies() {
		if bytes.HasPrefix(k, anteroomCookie) {
			continue
		}
		if len(buf) > 0 {
			buf = append(buf, "; "...)
		}
		if len(k) > 0 {
			buf = append(buf, k...)
			buf = append(buf, '=')
		}
		buf = append(buf, v...)
	}
	// Setting Cookie adds to the parsed cookies rather than replacing
	// them: clear them first.
	h.Del("Cookie")
	if len(buf) > 0 {
		h.SetBytesV("Cookie", buf)
	}
	return buf
}
