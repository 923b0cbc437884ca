package gateway

import (
	"cmp"
	"log/slog"
	"net/netip"
	"slices"
	"sync"
)

// The log tells the sale as an operator follows it: each room's limits at
// start, one summary line per room per minute while anything happens, the
// first origin or store error of a run at once and then a count a minute,
// and a warning when one address keeps hitting the per-client limit.

// LogLimits writes one line per room with the limits it starts with.
func (g *Gateway) LogLimits() {
	for _, r := range g.roomList() {
		o := r.engine.Overview()
		attrs := []any{"room", r.name,
			"max_active_users", o.Policy.MaxActive,
			"new_users_per_minute", o.Policy.PerMinute,
			"burst", o.Policy.Burst,
			"session_duration", o.Policy.SessionTTL.String(),
			"claim_window", o.Policy.ClaimWindow.String(),
			"abandon_after", o.Policy.AbandonAfter.String()}
		if t := o.Schedule.OpensAt; !t.IsZero() {
			attrs = append(attrs, "opens_at", rfc3339(t))
		}
		if t := o.Schedule.ClosesAt; !t.IsZero() {
			attrs = append(attrs, "closes_at", rfc3339(t))
		}
		if o.Stocked {
			attrs = append(attrs, "stock", r.cfg.Inventory.Stock)
		}
		g.log.Info("room limits", attrs...)
	}
}

// logMinute writes what the last minute held back: each busy room's
// summary, the counts of errors logged once, the addresses that kept
// hitting the per-client limit.
func (g *Gateway) logMinute() {
	for _, r := range g.roomList() {
		g.summarize(r)
	}
	g.errors.flush()
	g.limited.flush(g.log, len(g.trusted) > 0)
}

// summarize writes one line for room r if anything happens in it: people
// wait, are in, or were admitted or sold to since the last line.
func (g *Gateway) summarize(r *room) {
	o := r.engine.Overview()
	c := o.Counters
	last := g.summaries.swap(r.name, c.Admitted, c.Stock.Sold)
	if c.Waiting == 0 && c.Active == 0 && c.Called == 0 && last.admitted == c.Admitted && last.sold == c.Stock.Sold {
		return
	}
	attrs := []any{"room", r.name, "state", string(o.State), "waiting", c.Waiting, "active", c.Active,
		"called", c.Called, "admitted_per_minute", int(o.AdmittedPerSecond*60 + 0.5), "eta_seconds", o.ETASeconds}
	if o.Stocked {
		attrs = append(attrs, "stock_left", max(c.Stock.Left(), 0), "stock_held", c.Stock.Held, "stock_sold", c.Stock.Sold)
	}
	if o.Err != nil {
		attrs = append(attrs, "store_error", o.Err.Error())
	}
	g.log.Info("room summary", attrs...)
}

// summaries remembers, per room, the totals at its last summary.
type summaries struct {
	mu   sync.Mutex
	last map[string]summaryMark
}

type summaryMark struct {
	admitted uint64
	sold     int
}

func (s *summaries) swap(room string, admitted uint64, sold int) summaryMark {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last == nil {
		s.last = make(map[string]summaryMark)
	}
	old := s.last[room]
	s.last[room] = summaryMark{admitted, sold}
	return old
}

// errorLog writes the first error of each kind at once, then holds back
// the rest: flush, once a minute, writes how many there were and the last.
// A kind that stays quiet for a whole minute starts over, so the first
// error of the next outage is written at once too.
type errorLog struct {
	log   *slog.Logger
	mu    sync.Mutex
	kinds map[string]*errorRun
}

type errorRun struct {
	count int // held back since the last flush
	last  error
}

func newErrorLog(log *slog.Logger) *errorLog {
	return &errorLog{log: log, kinds: make(map[string]*errorRun)}
}

// note logs or counts one error of kind what ("origin", "store join").
func (e *errorLog) note(what string, err error) {
	e.mu.Lock()
	run := e.kinds[what]
	if run == nil {
		e.kinds[what] = &errorRun{}
	} else {
		run.count++
		run.last = err
	}
	e.mu.Unlock()
	if run == nil {
		e.log.Error(what+" failed", "err", err, "note", "further errors of this kind are counted and logged once a minute")
	}
}

func (e *errorLog) flush() {
	e.mu.Lock()
	type line struct {
		what  string
		count int
		last  error
	}
	var lines []line
	for what, run := range e.kinds {
		if run.count == 0 {
			delete(e.kinds, what)
			continue
		}
		lines = append(lines, line{what, run.count, run.last})
		run.count, run.last = 0, nil
	}
	e.mu.Unlock()
	slices.SortFunc(lines, func(a, b line) int { return cmp.Compare(a.what, b.what) })
	for _, l := range lines {
		e.log.Error(l.what+" failed again", "count_last_minute", l.count, "last_err", l.last)
	}
}

// limitedClients counts, per address, requests the per-client limit
// refused in the current minute. It holds at most limitedMax addresses: a
// flood from many addresses is not one client to warn about.
type limitedClients struct {
	mu     sync.Mutex
	counts map[netip.Addr]int
}

const (
	limitedMax = 4096
	// limitedWarn is the refusals in a minute from one address that earn
	// a warning: a browser that polls politely never gets near it.
	limitedWarn = 60
	// limitedShown bounds the addresses named in one minute's warnings.
	limitedShown = 5
)

func (l *limitedClients) note(a netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.counts == nil {
		l.counts = make(map[netip.Addr]int)
	}
	if _, ok := l.counts[a]; ok || len(l.counts) < limitedMax {
		l.counts[a]++
	}
}

// flush warns about the addresses refused often in the last minute, the
// busiest first; trusted says whether trusted_proxies is set, which
// changes the hint.
func (l *limitedClients) flush(log *slog.Logger, trusted bool) {
	l.mu.Lock()
	counts := l.counts
	l.counts = nil
	l.mu.Unlock()
	type hit struct {
		addr netip.Addr
		n    int
	}
	var hits []hit
	for a, n := range counts {
		if n >= limitedWarn {
			hits = append(hits, hit{a, n})
		}
	}
	slices.SortFunc(hits, func(a, b hit) int { return cmp.Or(cmp.Compare(b.n, a.n), a.addr.Compare(b.addr)) })
	hint := "if many shoppers reach anteroom through this address (a proxy, a load balancer, a CDN), add it to trusted_proxies so that X-Forwarded-For names each shopper; otherwise one client is polling or fetching too fast"
	if trusted {
		hint = "this address is the client as trusted_proxies and X-Forwarded-For tell it; if it is a proxy of yours, add it to trusted_proxies too; otherwise one client is polling or fetching too fast"
	}
	for _, h := range hits[:min(len(hits), limitedShown)] {
		log.Warn("one client address keeps hitting the per-client limit", "addr", h.addr.String(), "refused_last_minute", h.n, "hint", hint)
	}
}
