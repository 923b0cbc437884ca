package gateway

import (
	"bufio"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/valyala/fasthttp"
)

// smallAnswer is the largest body, by its Content-Length, that the round
// trip reads whole into the shopper's response: no stream, no per-request
// allocation, and the origin's connection is back in the pool before the
// shopper's answer is written. A larger body, or one whose length is not
// known beforehand (chunked, or until the origin closes), is streamed, so
// that no answer is ever held whole; at most MaxConns bodies of this size
// are held at once.
const smallAnswer = 64 << 10

// maxInterim bounds the 1xx answers (100 Continue, 103 Early Hints) read
// and dropped before the origin's real answer.
const maxInterim = 8

var errTooManyInterim = errors.New("origin: too many interim answers")

// originTransport is the round trip to the origin, in place of fasthttp's
// own: fasthttp's wraps every answer it streams in a handful of objects and
// closures (4 allocations per request), while almost every answer a shop
// gives is small and comes with its length. It writes the request, reads
// the answer's header into the shopper's response itself (no copy of the
// header, no copy of the body), then reads a small body whole or hands the
// shopper's response a stream of a large one. Framing is fasthttp's own
// parser's; what this adds is the choice, and not reusing a connection
// the origin said more on than its answer.
type originTransport struct{}

// RoundTrip is the round trip for any caller of the pool's Do, bounded by
// the pool's ReadTimeout; forward calls roundTripOrigin itself with the
// deadline of its own request.
func (originTransport) RoundTrip(hc *fasthttp.HostClient, req *fasthttp.Request, resp *fasthttp.Response) (bool, error) {
	var deadline time.Time
	if hc.ReadTimeout > 0 {
		deadline = time.Now().Add(hc.ReadTimeout)
	}
	return false, roundTripOrigin(hc, req, resp, deadline, hc.ReadTimeout)
}

// roundTripOrigin sends req to the origin on a pooled connection and reads
// its answer into resp: the request written and the answer's header read by
// deadline; a body up to smallAnswer also by deadline, a larger one later,
// as the shopper takes it (each read then gets the connection's idle
// timeout, see originConn). wait bounds the wait for a free connection. A
// connection the origin closed before answering gives ErrConnectionClosed,
// which roundTrip may repeat; the error of a failed round trip says
// whether it timed out (net.Error's Timeout, or fasthttp.ErrTimeout).
func roundTripOrigin(hc *fasthttp.HostClient, req *fasthttp.Request, resp *fasthttp.Response, deadline time.Time, wait time.Duration) error {
	resp.Reset()
	// An answer without a Content-Type gets fasthttp's default, as it
	// always has, rather than being left for the browser to sniff.
	resp.Header.SetNoDefaultContentType(false)
	req.URI().DisablePathNormalizing = hc.DisablePathNormalizing

	cc, err := hc.AcquireConn(wait, req.ConnectionClose())
	if err != nil {
		return err
	}
	conn := cc.Conn()
	// One call for both directions: a round trip starting (see originConn).
	if err := conn.SetDeadline(deadline); err != nil {
		hc.CloseConn(cc)
		return err
	}
	bw := hc.AcquireWriter(conn)
	err = req.Write(bw)
	if err == nil {
		err = bw.Flush()
	}
	hc.ReleaseWriter(bw)
	if err != nil {
		hc.CloseConn(cc)
		return err
	}

	br := hc.AcquireReader(conn)
	if err := readAnswerHeader(&resp.Header, br); err != nil {
		hc.ReleaseReader(br)
		hc.CloseConn(cc)
		if err == io.EOF {
			// Nothing came back: the origin closed the connection, most
			// likely a pooled one it had dropped while idle.
			return fasthttp.ErrConnectionClosed
		}
		return err
	}
	keep := !req.ConnectionClose() && !resp.ConnectionClose()
	cl := resp.Header.ContentLength()
	switch {
	case bodyless(req, resp):
		// A HEAD answer's Content-Length is the GET's: kept, no body.
		resp.SkipBody = req.Header.IsHead()
	case cl >= 0 && cl <= smallAnswer:
		if err := resp.ReadBody(br, smallAnswer); err != nil {
			hc.ReleaseReader(br)
			hc.CloseConn(cc)
			return err
		}
	default:
		// Read until the origin closes (no length, not chunked): the
		// connection ends with the body.
		// Captured only here, and never reassigned, so that the closure
		// (one allocation) is made only for a streamed answer.
		mayKeep := keep && cl != -2
		s := streamedPool.Get().(*streamed)
		s.release = func(reuse bool) {
			reuse = reuse && mayKeep && br.Buffered() == 0
			hc.ReleaseReader(br)
			if reuse {
				hc.ReleaseConn(cc)
			} else {
				hc.CloseConn(cc)
			}
		}
		s.open(br, cl)
		streamingFrom(conn)
		resp.SetBodyStream(s, cl)
		return nil
	}
	// Bytes past the answer are the origin saying more than it framed (a
	// Content-Length shorter than what it sent): whatever they are, they
	// must never be read as the answer to the next request on this
	// connection.
	keep = keep && br.Buffered() == 0
	hc.ReleaseReader(br)
	if keep {
		hc.ReleaseConn(cc)
	} else {
		hc.CloseConn(cc)
	}
	return nil
}

// readAnswerHeader reads the answer's header, skipping interim 1xx answers;
// 101 Switching Protocols is final.
func readAnswerHeader(h *fasthttp.ResponseHeader, br *bufio.Reader) error {
	for n := 0; ; n++ {
		if err := h.Read(br); err != nil {
			return err
		}
		if code := h.StatusCode(); code < 100 || code > 199 || code == fasthttp.StatusSwitchingProtocols {
			return nil
		}
		if n >= maxInterim {
			return errTooManyInterim
		}
	}
}

// bodyless reports whether the answer has no body whatever its header says
// (RFC 9112 §6.3): the answer to a HEAD, and 1xx, 204 and 304 answers.
func bodyless(req *fasthttp.Request, resp *fasthttp.Response) bool {
	code := resp.StatusCode()
	return req.Header.IsHead() || code < 200 || code == fasthttp.StatusNoContent || code == fasthttp.StatusNotModified
}

// streamed is an answer too large, or of a length not known beforehand, to
// read whole. The shopper's response reads the body through it; its own
// response holds the framing, and, when the body ends, the origin's
// trailer fields, which are dropped with it: nothing the origin sends after
// its body reaches a shopper, and no header rule is run too early to see
// it. Reads and Close come from the one goroutine writing the shopper's
// answer.
type streamed struct {
	resp    fasthttp.Response
	ended   bool // read to its end, framing intact
	failed  bool // a read failed: the connection is at an unknown place
	release func(reuse bool)
}

var streamedPool = sync.Pool{New: func() any { return new(streamed) }}

// open starts reading a body of length cl (-1 chunked, -2 until the
// origin closes) from br, with fasthttp's framing.
func (s *streamed) open(br *bufio.Reader, cl int) {
	s.resp.Header.SetContentLength(cl)
	s.resp.StreamBody = true
	// With StreamBody set, ReadBody reads nothing yet: it sets up the
	// stream, and cannot fail.
	_ = s.resp.ReadBody(br, 0)
}

func (s *streamed) Read(p []byte) (int, error) {
	n, err := s.resp.BodyStream().Read(p)
	switch {
	case err == io.EOF:
		s.ended = true
	case err != nil:
		s.failed = true
	}
	return n, err
}

// Close ends the stream: the connection goes back to the pool if the body
// was read to its end, and is closed otherwise.
func (s *streamed) Close() error {
	err := s.resp.CloseBodyStream()
	s.release(s.ended && !s.failed)
	s.release, s.ended, s.failed = nil, false, false
	s.resp.Reset()
	streamedPool.Put(s)
	return err
}
