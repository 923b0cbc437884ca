// Package gateway is anteroom's public face: a fasthttp server that matches
// requests to rooms, proxies admitted shoppers to the origin, serves the
// waiting page and the /.anteroom/ endpoints, and enforces rate limits.
// The admission rules themselves live in package queue.
package gateway

import (
	"crypto/ed25519"
	"crypto/tls"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/netip"
	"net/url"
	"time"

	"github.com/valyala/fasthttp"
	"golang.org/x/time/rate"

	"github.com/anteroom/anteroom/gateway/config"
	"github.com/anteroom/anteroom/gateway/match"
	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/static"
	"github.com/anteroom/anteroom/token"
)

// Gateway is one anteroom node.
type Gateway struct {
	cfg    *config.Config
	router router
	rooms  []*room
	store  queue.Store
	now    func() time.Time
	log    *slog.Logger

	origin      *fasthttp.HostClient
	originLimit *rate.Limiter
	clients     *clientLimiter
	trusted     []netip.Prefix

	ring         *token.Ring
	purchaseKeys *token.PurchaseSigner
	sessions     *token.SessionCache
	tickets      *token.TicketCache

	server    *fasthttp.Server
	tickEvery time.Duration
}

// room is a configured room: its engine, its routes and its page.
type room struct {
	name   string
	cfg    config.Room
	engine *queue.Room
	// hosts are lower case, without port or trailing dot (match.ParseHost).
	hosts  [][]byte
	paths  []match.Pattern
	bypass []match.Pattern
	// purchase paths take a hold on one unit of stock first.
	purchase []match.Pattern
	// fold matches paths case-insensitively; the patterns are folded.
	fold bool
	page *template.Template // nil: the built-in page
	// Cookie names carry the room so that a shopper can wait in two rooms.
	ticketCookie  string
	sessionCookie string
}

// Options are what a Gateway needs beyond its configuration.
type Options struct {
	// Store holds the shared queue state; required.
	Store queue.Store
	// Secrets is the HMAC key ring: the first signs, all verify.
	Secrets [][]byte
	// PurchaseKeys sign purchase tokens (the first signs, all are
	// published); one is generated in memory when empty.
	PurchaseKeys []ed25519.PrivateKey
	// Now is the clock; time.Now when nil. Tests inject their own.
	Now func() time.Time
	// Log receives one line per state change; slog.Default when nil.
	Log *slog.Logger
	// TickEvery is how often rooms sync with the store; 200ms when zero.
	// Tests set it high and tick by hand.
	TickEvery time.Duration
}

// Limits of what a client may send: enough for any real shop request, small
// enough that slow or huge clients cannot hold the gateway.
const (
	maxHeaderBytes   = 16 << 10
	maxBodyBytes     = 8 << 20
	readTimeout      = 10 * time.Second
	writeTimeout     = 30 * time.Second
	idleTimeout      = 60 * time.Second
	sessionCacheSize = 100_000
	ticketCacheSize  = 200_000
	ticketLife       = 24 * time.Hour
)

// New builds a gateway from a validated configuration.
func New(cfg *config.Config, o Options) (*Gateway, error) {
	if o.Store == nil {
		return nil, errors.New("gateway: no store")
	}
	// Validation also parses the rooms' routes into the form requests
	// are matched on; it is cheap, and a configuration built in code gets
	// the same checks as a file.
	if problems := cfg.Validate(); len(problems) > 0 {
		return nil, &config.Errors{Problems: problems}
	}
	ring, err := token.NewRing(o.Secrets...)
	if err != nil {
		return nil, fmt.Errorf("building key ring: %w", err)
	}
	if len(o.PurchaseKeys) == 0 {
		k, err := token.GenerateKey()
		if err != nil {
			return nil, fmt.Errorf("generating purchase key: %w", err)
		}
		o.PurchaseKeys = []ed25519.PrivateKey{k}
	}
	purchase, err := token.NewPurchaseSigner(o.PurchaseKeys...)
	if err != nil {
		return nil, fmt.Errorf("purchase keys: %w", err)
	}
	trusted, err := parseTrusted(cfg.TrustedProxies)
	if err != nil {
		return nil, fmt.Errorf("trusted_proxies: %w", err)
	}
	origin, err := newOriginClient(cfg.Origin)
	if err != nil {
		return nil, err
	}
	g := &Gateway{
		cfg: cfg,
		// Every store call made for a request, or by a room's sync, is
		// bounded by store.timeout.
		store:        queue.Bounded(o.Store, cfg.Store.Timeout),
		now:          o.Now,
		log:          o.Log,
		origin:       origin,
		originLimit:  rate.NewLimiter(rate.Limit(cfg.Limits.OriginRPS), max(1, int(cfg.Limits.OriginRPS/10))),
		clients:      newClientLimiter(cfg.Limits.PerClient.RPS, cfg.Limits.PerClient.Burst, 1_000_000),
		trusted:      trusted,
		ring:         ring,
		purchaseKeys: purchase,
		sessions:     token.NewSessionCache(ring, sessionCacheSize),
		tickets:      token.NewTicketCache(ring, ticketCacheSize),
	}
	if g.now == nil {
		g.now = time.Now
	}
	g.tickEvery = o.TickEvery
	if g.tickEvery <= 0 {
		g.tickEvery = defaultTickEvery
	}
	if g.log == nil {
		g.log = slog.Default()
	}
	for _, rc := range cfg.Rooms {
		r, err := g.newRoom(rc)
		if err != nil {
			return nil, err
		}
		g.rooms = append(g.rooms, r)
	}
	g.router = router{rooms: g.rooms}
	g.server = &fasthttp.Server{
		Handler:               g.handle,
		NoDefaultServerHeader: true,
		NoDefaultContentType:  true,
		ReadTimeout:           readTimeout,
		WriteTimeout:          writeTimeout,
		IdleTimeout:           idleTimeout,
		ReadBufferSize:        maxHeaderBytes,
		MaxRequestBodySize:    maxBodyBytes,
		// A broken client gets a terse 400, never our internals.
		SecureErrorLogMessage: true,
		Logger:                fasthttpLogger{g.log},
		ErrorHandler:          g.badRequest,
		CloseOnShutdown:       true,
	}
	return g, nil
}

func (g *Gateway) newRoom(rc config.Room) (*room, error) {
	r := &room{
		name:          rc.Name,
		cfg:           rc,
		fold:          rc.CaseInsensitive,
		ticketCookie:  token.TicketCookie + "_" + rc.Name,
		sessionCookie: token.SessionCookie + "_" + rc.Name,
	}
	r.paths, r.bypass, r.purchase = rc.Routes.Paths, rc.Routes.Bypass, rc.Routes.Purchases
	for _, h := range rc.Routes.Hosts {
		r.hosts = append(r.hosts, []byte(h))
	}
	if rc.Page.Template != "" {
		t, err := static.ParseTemplate(rc.Page.Template)
		if err != nil {
			return nil, fmt.Errorf("rooms %s: page template: %w", rc.Name, err)
		}
		r.page = t
	}
	r.engine = queue.NewRoom(rc.Name, g.store, queue.Options{
		Policy:       policyOf(rc),
		Schedule:     scheduleOf(rc),
		PollInterval: rc.PollInterval,
		Now:          g.now,
		Log:          g.log,
		LiveSessions: func() []string { return g.liveSessions(rc.Name) },
		Stock:        rc.Inventory.Stock,
		PerSession:   rc.Inventory.PerSession,
	})
	return r, nil
}

// liveSessions lists the room's sessions this node has verified and that
// are still valid: the session cache holds every token in recent use.
func (g *Gateway) liveSessions(room string) []string {
	var sids []string
	g.sessions.Live(g.now(), func(s token.Session) {
		if s.Room == room {
			sids = append(sids, s.ID)
		}
	})
	return sids
}

func policyOf(rc config.Room) queue.Policy {
	return queue.Policy{
		MaxActive:    rc.MaxActiveUsers,
		PerMinute:    rc.NewUsersPerMinute,
		Burst:        rc.Burst,
		SessionTTL:   rc.SessionDuration,
		ClaimWindow:  rc.ClaimWindow,
		AbandonAfter: rc.AbandonAfter,
	}
}

func scheduleOf(rc config.Room) queue.Schedule {
	return queue.Schedule{
		PrequeueFrom: rc.PrequeueFrom,
		OpensAt:      rc.OpensAt,
		ClosesAt:     rc.ClosesAt,
		Random:       rc.Queueing == config.QueueingRandom,
	}
}

// newOriginClient builds the keep-alive pool to the origin.
func newOriginClient(o config.Origin) (*fasthttp.HostClient, error) {
	u, err := url.Parse(o.URL)
	if err != nil {
		return nil, fmt.Errorf("origin.url: %w", err)
	}
	isTLS := u.Scheme == "https"
	addr := u.Host
	if u.Port() == "" {
		if isTLS {
			addr += ":443"
		} else {
			addr += ":80"
		}
	}
	hc := &fasthttp.HostClient{
		Addr:     addr,
		IsTLS:    isTLS,
		MaxConns: o.MaxConns,
		// Shorter than the 5 s after which common origins (Node.js) drop
		// idle connections, so a POST rarely meets one they closed.
		MaxIdleConnDuration: 4 * time.Second,
		// Room for an origin's big headers (cookies, CSP).
		ReadBufferSize: 32 << 10,
		// Each read after the headers gets the timeout anew, so a large
		// answer to a slow client is not cut off at origin.timeout.
		Dial:               originDialer(o.Timeout),
		ReadTimeout:        o.Timeout,
		WriteTimeout:       o.Timeout,
		MaxConnWaitTimeout: o.Timeout,
		// Small answers are read whole, large ones streamed, by our own
		// round trip (transport.go).
		Transport:                originTransport{},
		DisablePathNormalizing:   true,
		NoDefaultUserAgentHeader: true,
		// Headers go to the origin as the client spelled them.
		DisableHeaderNamesNormalizing: false,
		// A request that reached the origin is never sent twice: a
		// purchase must not be.
		RetryIfErr: func(*fasthttp.Request, int, error) (bool, bool) { return false, false },
	}
	if isTLS {
		hc.TLSConfig = &tls.Config{ServerName: u.Hostname(), MinVersion: tls.VersionTLS12}
	}
	return hc, nil
}

// fasthttpLogger sends fasthttp's own complaints to slog at debug level:
// they are per-connection noise, not state changes.
type fasthttpLogger struct{ log *slog.Logger }

func (l fasthttpLogger) Printf(format string, args ...any) {
	l.log.Debug(fmt.Sprintf(format, args...))
}
