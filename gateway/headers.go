package gateway

import (
	"bytes"

	"github.com/valyala/fasthttp"
)

// hopHeaders are meaningful only for one connection (RFC 9110 §7.6.1) and
// are never passed on, in either direction.
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

// stripRequestHop removes hop-by-hop headers, including those the client
// named in Connection, from the request about to go to the origin.
func stripRequestHop(h *fasthttp.RequestHeader, s *hopScratch) {
	s.reset()
	if v := h.Peek("Connection"); len(v) > 0 {
		s.names, s.buf = connectionTokens(s.names, s.buf, v)
	}
	for _, name := range s.names {
		h.DelBytes(name)
	}
	for _, name := range hopHeaders {
		h.Del(name)
	}
}

// stripResponseHop does the same for the origin's answer.
func stripResponseHop(h *fasthttp.ResponseHeader, s *hopScratch) {
	s.reset()
	if v := h.Peek("Connection"); len(v) > 0 {
		s.names, s.buf = connectionTokens(s.names, s.buf, v)
	}
	for _, name := range s.names {
		h.DelBytes(name)
	}
	for _, name := range hopHeaders {
		if name == "Transfer-Encoding" {
			continue // fasthttp frames the body itself; see forward
		}
		h.Del(name)
	}
	h.ResetConnectionClose()
}

// anteroomPrefix starts every header anteroom speaks to the origin with;
// a client may not send any of them.
var anteroomPrefix = []byte("X-Anteroom-")

// stripClientHeaders removes what a client may not decide for itself: any
// X-Anteroom-* header, and the X-Forwarded-* family and Forwarded (which the
// gateway sets anew).
func stripClientHeaders(h *fasthttp.RequestHeader, s *hopScratch) {
	s.reset()
	for k := range h.All() {
		if hasPrefixFold(k, anteroomPrefix) {
			start := len(s.buf)
			s.buf = append(s.buf, k...)
			s.names = append(s.names, s.buf[start:])
		}
	}
	for _, name := range s.names {
		h.DelBytes(name)
	}
	h.Del("X-Forwarded-For")
	h.Del("X-Forwarded-Proto")
	h.Del("X-Forwarded-Host")
	h.Del("X-Real-Ip")
	h.Del("Forwarded")
}

func hasPrefixFold(s, prefix []byte) bool {
	return len(s) >= len(prefix) && bytes.EqualFold(s[:len(prefix)], prefix)
}

// anteroomCookie starts the names of anteroom's own cookies.
var anteroomCookie = []byte("anteroom_")

// stripOwnCookies removes anteroom's cookies from the Cookie header sent to
// the origin: the origin has no use for the tokens (it gets the session id
// in X-Anteroom-Session) and should never log them. The common case, a
// Cookie header without them, costs one search.
func stripOwnCookies(h *fasthttp.RequestHeader, buf []byte) []byte {
	v := h.Peek("Cookie")
	if bytes.Index(v, anteroomCookie) < 0 {
		return buf
	}
	buf = buf[:0]
	for len(v) > 0 {
		var part []byte
		if i := bytes.IndexByte(v, ';'); i >= 0 {
			part, v = v[:i], v[i+1:]
		} else {
			part, v = v, nil
		}
		part = bytes.TrimSpace(part)
		if len(part) == 0 || bytes.HasPrefix(part, anteroomCookie) {
			continue
		}
		if len(buf) > 0 {
			buf = append(buf, "; "...)
		}
		buf = append(buf, part...)
	}
	if len(buf) == 0 {
		h.Del("Cookie")
	} else {
		h.SetBytesV("Cookie", buf)
	}
	return buf
}
