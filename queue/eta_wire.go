package queue

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// How an ETA view travels through the store (eta_shared.go): JSON, whose
// floats go in the shortest form that reads back exactly, so every node
// decodes the same numbers. What comes back is checked before any node
// estimates from it: a store holds what anyone who can write to it put
// there.

// etaWireVersion names the format; a node refuses another, so nodes of two
// releases side by side each keep their own model rather than misread.
const etaWireVersion = 1

// maxETAWire bounds a stored view: a real one is a few hundred bytes.
const maxETAWire = 1024

type etaWire struct {
	V       int     `json:"v"`
	Slot    int64   `json:"slot"`
	At      int64   `json:"at"` // Unix nanoseconds
	Issued  uint64  `json:"issued"`
	Serving uint64  `json:"serving"`
	Active  int     `json:"active"`
	Called  int     `json:"called"`
	Waiting int     `json:"waiting"`
	Life    float64 `json:"life"`
	Rate    float64 `json:"rate"`
	PerPos  float64 `json:"per_pos"`
	Learnt  bool    `json:"learnt"`
	Low     float64 `json:"low"`
	High    float64 `json:"high"`
}

func encodeETA(v etaView) ([]byte, error) {
	w := etaWire{V: etaWireVersion, Slot: v.slot, At: v.at.UnixNano(),
		Issued: v.c.Issued, Serving: v.c.Serving, Active: v.c.Active, Called: v.c.Called, Waiting: v.c.Waiting,
		Life: v.life, Rate: v.admitRate, PerPos: v.perPos, Learnt: v.learnt, Low: v.low, High: v.high}
	b, err := json.Marshal(w)
	if err != nil {
		return nil, fmt.Errorf("encoding the ETA model: %w", err)
	}
	return b, nil
}

// Bounds of a believable view, far beyond any real room: a counter past
// 2^53 or a session life of a year is a corrupt store, not a sale.
const (
	maxWireCount   = 1 << 53
	maxWireTickets = 1 << 31
	maxWireLife    = 365 * 24 * 3600.0
	maxWireRate    = 1e6 // admissions per second
	maxWireHigh    = 1e3
)

// decodeETA reads the view stored for slot, refusing anything a node of
// this release would not have written for it.
func decodeETA(b []byte, slot int64) (etaView, error) {
	bad := func(why string, args ...any) (etaView, error) {
		return etaView{}, fmt.Errorf("stored ETA model refused: "+why, args...)
	}
	if len(b) > maxETAWire {
		return bad("%d bytes", len(b))
	}
	var w etaWire
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&w); err != nil {
		return bad("%v", err)
	}
	if d.More() {
		return bad("trailing data")
	}
	from := time.Unix(0, slot*int64(etaEvery))
	at := time.Unix(0, w.At)
	switch {
	case w.V != etaWireVersion:
		return bad("version %d, want %d", w.V, etaWireVersion)
	case w.Slot != slot:
		return bad("slot %d, want %d", w.Slot, slot)
	case at.Before(from) || !at.Before(slotEnd(slot)):
		// Sampled in another slot: a clock far off, or a forgery.
		return bad("sampled at %v, outside slot %d", at, slot)
	case w.Issued > maxWireCount || w.Serving > w.Issued:
		return bad("serving %d of %d issued", w.Serving, w.Issued)
	case !plausibleCount(w.Active) || !plausibleCount(w.Called) || !plausibleCount(w.Waiting) || uint64(w.Waiting) > w.Issued:
		return bad("active %d, called %d, waiting %d", w.Active, w.Called, w.Waiting)
	case !within(w.Life, 0, maxWireLife) || !within(w.Rate, 0, maxWireRate) || !within(w.PerPos, 0, 1):
		return bad("life %v, rate %v, per place %v", w.Life, w.Rate, w.PerPos)
	case w.Learnt && (!within(w.Low, math.SmallestNonzeroFloat64, etaMinLow) || !within(w.High, etaMinHigh, maxWireHigh)):
		return bad("spread %v–%v", w.Low, w.High)
	case !w.Learnt && (w.Low != 0 || w.High != 0):
		return bad("a spread %v–%v not learnt", w.Low, w.High)
	}
	return etaView{life: w.Life, admitRate: w.Rate, perPos: w.PerPos, low: w.Low, high: w.High, learnt: w.Learnt, slot: w.Slot,
		c: etaCounts{Issued: w.Issued, Serving: w.Serving, Active: w.Active, Called: w.Called, Waiting: w.Waiting}, at: at}, nil
}

func plausibleCount(n int) bool { return n >= 0 && n < maxWireTickets }

// within reports lo <= x <= hi, false for NaN.
func within(x, lo, hi float64) bool { return x >= lo && x <= hi }
