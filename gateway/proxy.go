package gateway

import (
	"errors"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/anteroom/anteroom/static"
)

// forwarded holds per-request scratch space for forward, pooled so that the
// proxied path allocates nothing of its own.
type forwarded struct {
	hop    hopScratch
	cookie []byte
	num    []byte
}

var forwardPool = sync.Pool{New: func() any { return new(forwarded) }}

// forward sends the request to the origin and relays its answer. The
// request is rewritten in place: hop-by-hop and client-supplied anteroom
// and forwarding headers go, the gateway's own come in. r and sid name the
// room and session when the shopper was admitted. It returns the orders
// the origin gave in X-Anteroom-* headers, which the shopper never sees.
func (g *Gateway) forward(ctx *fasthttp.RequestCtx, r *room, sid string) orders {
	return g.forwardWith(ctx, r, sid, "")
}

// forwardWith is forward with a purchase token for the origin: set after
// the client's X-Anteroom-* headers are gone, like every header of ours.
func (g *Gateway) forwardWith(ctx *fasthttp.RequestCtx, r *room, sid, purchaseToken string) orders {
	if !g.originLimit.AllowN(g.now(), 1) {
		retryAfter(ctx, time.Duration(float64(time.Second)/float64(g.originLimit.Limit())))
		g.roomError(ctx, r, fasthttp.StatusServiceUnavailable, static.MsgShopBusy)
		return orders{}
	}
	f := forwardPool.Get().(*forwarded)
	defer forwardPool.Put(f)

	req := &ctx.Request
	// A trusted proxy's word on the client is read before its headers go.
	client, https := g.clientIP(ctx), g.isTLS(ctx)
	clientClose := req.Header.ConnectionClose()
	stripRequestHop(&req.Header, &f.hop)
	f.cookie = stripOwnCookies(&req.Header, f.cookie)
	g.aimAtOrigin(req)
	setForwardedHeaders(&req.Header, client, https, f)
	if r != nil {
		req.Header.Set("X-Anteroom-Room", r.name)
		if sid != "" {
			req.Header.Set("X-Anteroom-Session", sid)
		}
		if purchaseToken != "" {
			req.Header.Set("X-Anteroom-Purchase-Token", purchaseToken)
		}
	}

	// The origin's answer is read straight into the shopper's response;
	// the rules below then take out what the shopper may not see.
	// One clock read gives the round trip its deadline and the latency
	// histogram its start.
	start := time.Now()
	if err := g.roundTrip(req, &ctx.Response, start); err != nil {
		g.originError(ctx, r, err)
		return orders{}
	}
	g.tele.proxied(start)
	o := stripResponseHop(&ctx.Response.Header, &f.hop)
	if clientClose {
		ctx.SetConnectionClose()
	}
	return o
}

// aimAtOrigin points the request at the origin. Its request line already
// names the canonical path and its Host header the host the rooms were
// matched on (target.read); the scheme is the origin's, not the client's
// connection's: the pool refuses a request whose scheme is not its own.
func (g *Gateway) aimAtOrigin(req *fasthttp.Request) {
	req.UseHostHeader = true
	if g.origin.IsTLS {
		req.URI().SetScheme("https")
	} else {
		req.URI().SetScheme("http")
	}
}

// setForwardedHeaders tells the origin who really asked, and how.
func setForwardedHeaders(h *fasthttp.RequestHeader, client netip.Addr, https bool, f *forwarded) {
	f.num = client.AppendTo(f.num[:0])
	h.SetBytesV("X-Forwarded-For", f.num)
	if https {
		h.Set("X-Forwarded-Proto", "https")
	} else {
		h.Set("X-Forwarded-Proto", "http")
	}
	h.SetBytesV("X-Forwarded-Host", h.Host())
}

// roundTrip asks the origin. A pooled connection the origin closed while
// idle fails before the origin sees the request; the other idle ones are
// as old, so they are dropped, and a request that may be repeated (RFC 9110
// §9.2.2) is asked once more, on a fresh connection, within the same
// deadline. Anything else, a purchase above all, is never sent twice.
func (g *Gateway) roundTrip(req *fasthttp.Request, resp *fasthttp.Response, start time.Time) error {
	timeout := g.cfg.Origin.Timeout
	deadline := start.Add(timeout)
	// The first wait for a connection is the full timeout, so that the
	// pool tells a wait for a free connection (ErrNoFreeConns) from a slow
	// origin.
	err := roundTripOrigin(g.origin, req, resp, deadline, timeout)
	if err != nil && closedByOrigin(err) {
		g.origin.CloseIdleConnections()
		if repeatable(req) {
			err = roundTripOrigin(g.origin, req, resp, deadline, time.Until(deadline))
		}
	}
	return err
}

func repeatable(req *fasthttp.Request) bool {
	h := &req.Header
	return h.IsGet() || h.IsHead() || h.IsOptions() || h.IsTrace()
}

func closedByOrigin(err error) bool {
	return errors.Is(err, fasthttp.ErrConnectionClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// originError maps a failed round trip to what the shopper is told: 504
// when the origin was too slow, 503 when every connection to it stayed
// busy, 502 when it could not be reached or spoke nonsense. The error
// itself is never shown.
func (g *Gateway) originError(ctx *fasthttp.RequestCtx, r *room, err error) {
	ctx.Response.Reset()
	g.errors.note("origin", err)
	if errors.Is(err, fasthttp.ErrNoFreeConns) {
		g.tele.originErrors[originBusy].Inc()
		retryAfter(ctx, time.Second)
		g.roomError(ctx, r, fasthttp.StatusServiceUnavailable, static.MsgShopBusy)
		return
	}
	var ne net.Error
	switch {
	case errors.Is(err, fasthttp.ErrTimeout) || errors.Is(err, fasthttp.ErrDialTimeout) || (errors.As(err, &ne) && ne.Timeout()):
		g.tele.originErrors[originTimeout].Inc()
		g.roomError(ctx, r, fasthttp.StatusGatewayTimeout, static.MsgShopTimeout)
	default:
		g.tele.originErrors[originUnreachable].Inc()
		g.roomError(ctx, r, fasthttp.StatusBadGateway, static.MsgShopUnreachable)
	}
}

// isTLS reports whether the shopper's connection is HTTPS: ours, or a
// trusted proxy's in front of us.
func (g *Gateway) isTLS(ctx *fasthttp.RequestCtx) bool {
	if ctx.IsTLS() {
		return true
	}
	return len(g.trusted) > 0 && g.isTrusted(peerAddr(ctx)) &&
		string(ctx.Request.Header.Peek("X-Forwarded-Proto")) == "https"
}

// retryAfter sets Retry-After in whole seconds, at least one.
func retryAfter(ctx *fasthttp.RequestCtx, d time.Duration) {
	s := int((d + time.Second - 1) / time.Second)
	if s < 1 {
		s = 1
	}
	var b [20]byte
	ctx.Response.Header.SetBytesV("Retry-After", strconv.AppendInt(b[:0], int64(s), 10))
}

// originDialer dials the origin with connections whose reads, once an
// answer's headers are in, each get idle to make progress, rather than all
// sharing the deadline the pool set for the whole round trip: a large
// answer to a slow client streams for as long as it keeps moving, while an
// origin that goes quiet is still cut off. newOriginClient sets it as the
// pool's Dial.
func originDialer(idle time.Duration) fasthttp.DialFunc {
	return func(addr string) (net.Conn, error) {
		c, err := fasthttp.DialTimeout(addr, idle)
		if err != nil {
			return nil, err
		}
		oc := &originConn{Conn: c, idle: idle}
		oc.local = originAddr{Addr: c.LocalAddr(), conn: oc}
		return oc, nil
	}
}

// originConn is a connection to the origin; see originDialer.
type originConn struct {
	net.Conn
	idle      time.Duration
	streaming atomic.Bool // set by streamingFrom, cleared by the next round trip
	local     originAddr
}

// originAddr is the connection's local address, carrying the connection:
// a TLS connection gives its own connection's, which is how streamingFrom
// finds an originConn under one.
type originAddr struct {
	net.Addr
	conn *originConn
}

func (c *originConn) LocalAddr() net.Addr { return &c.local }

// SetDeadline is a round trip starting (roundTripOrigin): the request
// written and the answer's header read by t.
func (c *originConn) SetDeadline(t time.Time) error {
	c.streaming.Store(false)
	return c.Conn.SetDeadline(t)
}

// SetReadDeadline is the same for a round trip of fasthttp's own.
func (c *originConn) SetReadDeadline(t time.Time) error {
	c.streaming.Store(false)
	return c.Conn.SetReadDeadline(t)
}

func (c *originConn) Read(p []byte) (int, error) {
	if c.streaming.Load() {
		if err := c.Conn.SetReadDeadline(time.Now().Add(c.idle)); err != nil {
			return 0, err
		}
	}
	return c.Conn.Read(p)
}

// streamingFrom moves conn from the round trip's deadline to per-read
// ones, for the body still to be read. conn is an originConn, or a TLS
// connection over one: its local address is how it is found.
func streamingFrom(conn net.Conn) {
	if a, ok := conn.LocalAddr().(*originAddr); ok {
		a.conn.streaming.Store(true)
	}
}
