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
	"log/slog"
	"net/netip"
	"net/url"
	"slices"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
	"golang.org/x/time/rate"

	"github.com/anteroom/anteroom/gateway/config"
	"github.com/anteroom/anteroom/gateway/match"
	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/token"
)

// Gateway is one anteroom node.
type Gateway struct {
	// cfg is the configuration the node started with: what a reload
	// cannot change (listeners, store, origin, logs) is read from it.
	cfg   *config.Config
	store queue.Store
	now   func() time.Time
	log   *slog.Logger

	// rooms, keys and clients are replaced whole by a reload or a live
	// change (steer.go); a request loads each once.
	rooms   atomic.Pointer[roomSet]
	keys    atomic.Pointer[keySet]
	clients atomic.Pointer[clientLimiter]

	origin      *fasthttp.HostClient
	originLimit *rate.Limiter
	trusted     []netip.Prefix

	steer steer

	server    *fasthttp.Server
	tickEvery time.Duration

	// What operators read: metrics, charts' history, the sale's log.
	tele      *telemetry
	history   *histories
	errors    *errorLog
	limited   limitedClients
	summaries summaries
	// watchEvery is how often the history is sampled (historyEvery);
	// tests stop it to sample by hand.
	watchEvery time.Duration
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
	page *roomPage
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
	// Source reads the configuration again for a reload (SIGHUP, POST
	// /api/v1/reload, a changed file); nil: reloads are refused.
	Source Source
	// Version names the build in anteroom_build_info; the module's
	// version when empty.
	Version string
}

// Limits of what a client may send: enough for any real shop request, small
// enough that slow or huge clients cannot hold the gateway.
const (
	maxHeaderBytes   = 16 << 10
	maxBodyBytes     = 8 << 20
	readTimeout      = 10 * time.Second
	writeTimeout     = 30 * time.Second
	idleTimeout      = 60 * time.Second
	maxClients       = 1_000_000
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
	// the same checks as a file. It runs on a copy: validating writes the
	// rooms' routes, and the caller may start other nodes from cfg.
	own := *cfg
	own.Rooms = slices.Clone(cfg.Rooms)
	cfg = &own
	if problems := cfg.Validate(); len(problems) > 0 {
		return nil, &config.Errors{Problems: problems}
	}
	keys, err := newKeySet(Secrets{HMAC: o.Secrets, Purchase: o.PurchaseKeys})
	if err != nil {
		return nil, err
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
		store:       queue.Bounded(o.Store, cfg.Store.Timeout),
		now:         o.Now,
		log:         o.Log,
		origin:      origin,
		originLimit: rate.NewLimiter(rate.Limit(cfg.Limits.OriginRPS), originBurst(cfg.Limits.OriginRPS)),
		trusted:     trusted,
	}
	g.keys.Store(keys)
	g.clients.Store(newClientLimiter(cfg.Limits.PerClient.RPS, cfg.Limits.PerClient.Burst, maxClients))
	g.steer.source = o.Source
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
	g.tele, g.history, g.errors = newTelemetry(), newHistories(), newErrorLog(g.log)
	g.watchEvery = historyEvery
	g.store = newMeteredStore(g.store, g.tele, g.errors)
	g.registerMetrics(o.Version)
	if err := g.start(cfg); err != nil {
		return nil, err
	}
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

// newRoom is room rc served by engine, with its waiting page from loadPage.
func newRoom(rc config.Room, engine *queue.Room, page *roomPage) *room {
	r := &room{
		name:          rc.Name,
		cfg:           rc,
		engine:        engine,
		page:          page,
		fold:          rc.CaseInsensitive,
		ticketCookie:  token.TicketCookie + "_" + rc.Name,
		sessionCookie: token.SessionCookie + "_" + rc.Name,
	}
	r.paths, r.bypass, r.purchase = rc.Routes.Paths, rc.Routes.Bypass, rc.Routes.Purchases
	for _, h := range rc.Routes.Hosts {
		r.hosts = append(r.hosts, []byte(h))
	}
	return r
}

// newEngine starts the admission engine of room rc.
func (g *Gateway) newEngine(rc config.Room) *queue.Room {
	return queue.NewRoom(rc.Name, g.store, queue.Options{
		Policy:       policyOf(rc),
		Schedule:     scheduleOf(rc),
		PollInterval: rc.PollInterval,
		Now:          g.now,
		Log:          g.log,
		LiveSessions: func() []string { return g.liveSessions(rc.Name) },
		Stock:        rc.Inventory.Stock,
		PerSession:   rc.Inventory.PerSession,
	})
}

// liveSessions lists the room's sessions this node has verified and that
// are still valid: the session cache holds every token in recent use.
func (g *Gateway) liveSessions(room string) []string {
	var sids []string
	g.keys.Load().sessions.Live(g.now(), func(s token.Session) {
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
