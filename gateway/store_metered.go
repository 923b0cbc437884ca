package gateway

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/anteroom/anteroom/queue"
)

// meteredStore times every store call by operation, counts its failures,
// and hands them to the error log, which writes the first of a run and a
// count a minute after. Store calls are made when state changes, not per
// proxied request, so two clock reads each cost the hot path nothing.
type meteredStore struct {
	queue.Store
	latency [numStoreOps]prometheus.Observer
	errs    [numStoreOps]prometheus.Counter
	log     *errorLog
}

// The store's operations, as the metrics label them.
const (
	opJoin = iota
	opOpen
	opAdvance
	opClaim
	opAdmitDirect
	opRefresh
	opEnd
	opSeen
	opLeave
	opEndedSince
	opInitStock
	opSetStock
	opHold
	opConfirm
	opRelease
	opStock
	opCounters
	opPing
	opOverrides
	opSetOverrides
	opDropOverride
	opPublishETA
	numStoreOps
)

var storeOpNames = [numStoreOps]string{"join", "open", "advance", "claim", "admit_direct", "refresh", "end",
	"seen", "leave", "ended_since", "init_stock", "set_stock", "hold", "confirm", "release", "stock", "counters", "ping",
	"overrides", "set_overrides", "drop_override", "publish_eta"}

var _ queue.Store = (*meteredStore)(nil)

func newMeteredStore(s queue.Store, t *telemetry, log *errorLog) *meteredStore {
	m := &meteredStore{Store: s, log: log}
	for op, name := range storeOpNames {
		m.latency[op] = t.storeLatency.WithLabelValues(name)
		m.errs[op] = t.storeErrors.WithLabelValues(name)
	}
	return m
}

// done records one call of op that began at start.
func (m *meteredStore) done(op int, start time.Time, err error) {
	m.latency[op].Observe(time.Since(start).Seconds())
	if err != nil && !storeAnswer(err) {
		m.errs[op].Inc()
		m.log.note("store "+storeOpNames[op], err)
	}
}

// storeAnswer reports whether err is one of the store's answers (a ticket not
// called yet, a sold-out room…) rather than the store failing.
func storeAnswer(err error) bool {
	for _, a := range []error{queue.ErrNotCalled, queue.ErrForfeited, queue.ErrSoldOut,
		queue.ErrNoStock, queue.ErrHoldGone, queue.ErrSessionLimit} {
		if errors.Is(err, a) {
			return true
		}
	}
	return false
}

func (m *meteredStore) Join(ctx context.Context, room string, now time.Time) (uint64, error) {
	t := time.Now()
	n, err := m.Store.Join(ctx, room, now)
	m.done(opJoin, t, err)
	return n, err
}

func (m *meteredStore) Open(ctx context.Context, room string, random bool, seed uint64, now time.Time) (queue.Opening, error) {
	t := time.Now()
	o, err := m.Store.Open(ctx, room, random, seed, now)
	m.done(opOpen, t, err)
	return o, err
}

func (m *meteredStore) Advance(ctx context.Context, room string, p queue.Policy, now time.Time) (queue.Counters, error) {
	t := time.Now()
	c, err := m.Store.Advance(ctx, room, p, now)
	m.done(opAdvance, t, err)
	return c, err
}

func (m *meteredStore) Claim(ctx context.Context, room string, n uint64, sid string, now time.Time) (string, error) {
	t := time.Now()
	s, err := m.Store.Claim(ctx, room, n, sid, now)
	m.done(opClaim, t, err)
	return s, err
}

func (m *meteredStore) AdmitDirect(ctx context.Context, room, sid string, p queue.Policy, now time.Time) (bool, error) {
	t := time.Now()
	ok, err := m.Store.AdmitDirect(ctx, room, sid, p, now)
	m.done(opAdmitDirect, t, err)
	return ok, err
}

func (m *meteredStore) Refresh(ctx context.Context, room string, sids []string, now time.Time) error {
	t := time.Now()
	err := m.Store.Refresh(ctx, room, sids, now)
	m.done(opRefresh, t, err)
	return err
}

func (m *meteredStore) End(ctx context.Context, room, sid string, now time.Time) error {
	t := time.Now()
	err := m.Store.End(ctx, room, sid, now)
	m.done(opEnd, t, err)
	return err
}

func (m *meteredStore) Seen(ctx context.Context, room string, numbers []uint64, now time.Time) error {
	t := time.Now()
	err := m.Store.Seen(ctx, room, numbers, now)
	m.done(opSeen, t, err)
	return err
}

func (m *meteredStore) Leave(ctx context.Context, room string, n uint64) error {
	t := time.Now()
	err := m.Store.Leave(ctx, room, n)
	m.done(opLeave, t, err)
	return err
}

func (m *meteredStore) EndedSince(ctx context.Context, room string, since time.Time) ([]queue.Ended, error) {
	t := time.Now()
	e, err := m.Store.EndedSince(ctx, room, since)
	m.done(opEndedSince, t, err)
	return e, err
}

func (m *meteredStore) InitStock(ctx context.Context, room string, units int, now time.Time) (queue.Stock, error) {
	t := time.Now()
	s, err := m.Store.InitStock(ctx, room, units, now)
	m.done(opInitStock, t, err)
	return s, err
}

func (m *meteredStore) SetStock(ctx context.Context, room string, units int, now time.Time) (queue.Stock, error) {
	t := time.Now()
	s, err := m.Store.SetStock(ctx, room, units, now)
	m.done(opSetStock, t, err)
	return s, err
}

func (m *meteredStore) Hold(ctx context.Context, room, sid, hid string, perSession int, until, now time.Time) (queue.Hold, error) {
	t := time.Now()
	h, err := m.Store.Hold(ctx, room, sid, hid, perSession, until, now)
	m.done(opHold, t, err)
	return h, err
}

func (m *meteredStore) Confirm(ctx context.Context, room, hid string, now time.Time) error {
	t := time.Now()
	err := m.Store.Confirm(ctx, room, hid, now)
	m.done(opConfirm, t, err)
	return err
}

func (m *meteredStore) Release(ctx context.Context, room, hid string, now time.Time) error {
	t := time.Now()
	err := m.Store.Release(ctx, room, hid, now)
	m.done(opRelease, t, err)
	return err
}

func (m *meteredStore) Stock(ctx context.Context, room string, now time.Time) (queue.Stock, error) {
	t := time.Now()
	s, err := m.Store.Stock(ctx, room, now)
	m.done(opStock, t, err)
	return s, err
}

func (m *meteredStore) Counters(ctx context.Context, room string) (queue.Counters, error) {
	t := time.Now()
	c, err := m.Store.Counters(ctx, room)
	m.done(opCounters, t, err)
	return c, err
}

func (m *meteredStore) Ping(ctx context.Context) error {
	t := time.Now()
	err := m.Store.Ping(ctx)
	m.done(opPing, t, err)
	return err
}
