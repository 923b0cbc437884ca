package queue

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

// goodView is a view as a node writes it, for slot etaSlot.
func goodView() etaView {
	v := etaView{life: 71.5, admitRate: 0.9, perPos: 0.8, low: 0.7, high: 1.4, learnt: true, slot: etaSlot}
	return v.counted(Counters{Issued: 120, Serving: 40, Active: 30, Called: 2, Waiting: 70}, start.Add(1200*time.Millisecond))
}

var etaSlot = start.UnixNano() / int64(etaEvery)

// TestETAWireRoundTrip: a view read back is the view written, floats to
// the last bit.
func TestETAWireRoundTrip(t *testing.T) {
	v := goodView()
	v.admitRate = 1.0 / 3
	b, err := encodeETA(v)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeETA(b, etaSlot)
	if err != nil {
		t.Fatalf("decodeETA(%s): %v", b, err)
	}
	want := v
	if !got.at.Equal(want.at) {
		t.Errorf("read at %v, want %v", got.at, want.at)
	}
	want.at = got.at
	if got != want {
		t.Errorf("read back %+v, want %+v", got, want)
	}
}

// TestETAWireRefusesHostile: whatever else the store hands back is
// refused, not estimated from.
func TestETAWireRefusesHostile(t *testing.T) {
	good, err := encodeETA(goodView())
	if err != nil {
		t.Fatal(err)
	}
	edit := func(from, to string) string {
		if !strings.Contains(string(good), from) {
			t.Fatalf("%s holds no %s", good, from)
		}
		return strings.Replace(string(good), from, to, 1)
	}
	at := start.Add(1200 * time.Millisecond).UnixNano()
	for name, b := range map[string]string{
		"empty":               "",
		"garbage":             "\x00\xffnot json",
		"an array":            "[1,2,3]",
		"truncated":           string(good[:len(good)/2]),
		"trailing data":       string(good) + `{"v":1}`,
		"unknown field":       edit(`{"v":1,`, `{"v":1,"boost":9,`),
		"version 2":           edit(`"v":1`, `"v":2`),
		"version 0":           edit(`"v":1`, `"v":0`),
		"another slot":        edit(fmt.Sprintf(`"slot":%d`, etaSlot), fmt.Sprintf(`"slot":%d`, etaSlot-1)),
		"a future slot":       edit(fmt.Sprintf(`"slot":%d`, etaSlot), fmt.Sprintf(`"slot":%d`, etaSlot+1000)),
		"read in the future":  edit(fmt.Sprint(at), fmt.Sprint(at+int64(time.Hour))),
		"read before":         edit(fmt.Sprint(at), fmt.Sprint(at-int64(2*time.Second))),
		"NaN":                 edit(`"life":71.5`, `"life":NaN`),
		"Infinity":            edit(`"life":71.5`, `"life":1e400`),
		"a life of ages":      edit(`"life":71.5`, `"life":1e300`),
		"negative rate":       edit(`"rate":0.9`, `"rate":-0.9`),
		"share above 1":       edit(`"per_pos":0.8`, `"per_pos":1.5`),
		"serving past issued": edit(`"serving":40`, `"serving":400`),
		"negative active":     edit(`"active":30`, `"active":-30`),
		"absurd issued":       edit(`"issued":120`, `"issued":18446744073709551615`),
		"issued overflow":     edit(`"issued":120`, `"issued":18446744073709551616`),
		"waiting past issued": edit(`"waiting":70`, `"waiting":700`),
		"spread of zero":      edit(`"low":0.7`, `"low":0`),
		"spread inverted":     edit(`"high":1.4`, `"high":0.5`),
		"spread unlearnt":     edit(`"learnt":true`, `"learnt":false`),
		"a string count":      edit(`"issued":120`, `"issued":"120"`),
		"too long":            string(good) + strings.Repeat(" ", maxETAWire),
	} {
		t.Run(name, func(t *testing.T) {
			if v, err := decodeETA([]byte(b), etaSlot); err == nil {
				t.Errorf("decodeETA(%q) = %+v, want it refused", b, v)
			}
		})
	}
}

// FuzzDecodeETA: whatever the store hands back, a view is either refused
// or one a node could have written: finite, within bounds, and read back
// the same once written again.
func FuzzDecodeETA(f *testing.F) {
	good, err := encodeETA(goodView())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{"v":1,"slot":390707280,"at":1953536400000000000}`))
	f.Add([]byte(`{"v":1,"life":NaN}`))
	f.Add([]byte("OK"))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := decodeETA(b, etaSlot)
		if err != nil {
			return
		}
		for _, x := range []float64{v.life, v.admitRate, v.perPos, v.low, v.high} {
			if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
				t.Fatalf("decodeETA(%q) = %+v: a number out of bounds", b, v)
			}
		}
		if v.c.Serving > v.c.Issued || v.slot != etaSlot || v.at.Before(time.Unix(0, etaSlot*int64(etaEvery))) || !v.at.Before(slotEnd(etaSlot)) {
			t.Fatalf("decodeETA(%q) = %+v", b, v)
		}
		again, err := encodeETA(v)
		if err != nil {
			t.Fatalf("encoding %+v: %v", v, err)
		}
		if w, err := decodeETA(again, etaSlot); err != nil || w != v {
			t.Fatalf("%q read back as %+v, %v; want %+v", again, w, err, v)
		}
	})
}
