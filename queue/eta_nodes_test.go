package queue_test

import (
	"fmt"
	"testing"

	"github.com/anteroom/anteroom/queue"
)

// testETANodes: three nodes, each with its own connection (newStore) to one
// store that keeps a shared ETA model, serve a rate-bound and a
// capacity-bound crowd; every poll is asked of all three at the same
// instant. At least 99 % of those polls must get the very same answer
// (state, place, people ahead, range, progress) from every node, and the
// ranges must still meet TestETAHolds' targets (at least 90 % hold the
// real wait, median high/low at most 2.5). The same crowds with each node
// keeping its own model are logged for comparison. newStore is given a key prefix of its own per
// run, so that no run reads another's views.
func testETANodes(t *testing.T, newStore func(prefix string) queue.Store) {
	for _, c := range etaCrowds[:2] {
		c.nodes = 3
		t.Run(c.name, func(t *testing.T) {
			var shared, alone etaResult
			var ratios, ownRatios []float64
			for seed := uint64(1); seed <= 2; seed++ {
				var stores []queue.Store
				for range c.nodes {
					stores = append(stores, newStore(fmt.Sprintf("%s/%d", t.Name(), seed)))
				}
				res := playETAOn(t, c, seed, stores, true)
				t.Logf("seed %d, shared model: %v; %d of %d polls answered alike on all three nodes, %d admitted by another node first",
					seed, res, res.agreed, res.asked, res.elsewhere)
				for _, d := range res.differ {
					t.Logf("seed %d: %s", seed, d)
				}
				if res.asked < 1000 {
					t.Fatalf("seed %d: only %d polls asked of every node: the crowd does not test agreement", seed, res.asked)
				}
				shared.add(res)
				ratios = append(ratios, res.ratios...)
				// The same on the same store, hidden behind a wrapper that
				// keeps no shared model: each node its own, as before.
				var own []queue.Store
				for range c.nodes {
					own = append(own, ownETA{newStore(fmt.Sprintf("%s/%d/own", t.Name(), seed))})
				}
				res = playETAOn(t, c, seed, own, true)
				alone.add(res)
				ownRatios = append(ownRatios, res.ratios...)
			}
			shared.ratio = median(ratios)
			agree := float64(shared.agreed) / float64(shared.asked)
			t.Logf("shared model: %.2f %% of %d polls alike on three nodes; %.1f %% of %d ranges held, median high/low %.2f",
				100*agree, shared.asked, 100*shared.share(), shared.judged, shared.ratio)
			t.Logf("each node its own model: %.2f %% of %d polls alike; %.1f %% of %d ranges held, median high/low %.2f",
				100*float64(alone.agreed)/float64(alone.asked), alone.asked, 100*alone.share(), alone.judged, median(ownRatios))
			if agree < 0.99 {
				t.Errorf("%.2f %% of the polls got the same answer from all three nodes, want at least 99 %%", 100*agree)
			}
			if shared.share() < 0.9 {
				t.Errorf("%.1f %% of the ranges held the real wait, want at least 90 %%", 100*shared.share())
			}
			if shared.ratio > 2.5 {
				t.Errorf("median high/low %.2f, want at most 2.5", shared.ratio)
			}
		})
	}
}

// add pools the counts of r into all.
func (all *etaResult) add(r etaResult) {
	all.waited += r.waited
	all.judged += r.judged
	all.held += r.held
	all.unknown += r.unknown
	all.asked += r.asked
	all.agreed += r.agreed
	all.elsewhere += r.elsewhere
}

// ownETA hides a store's shared ETA model: only Store's methods show.
type ownETA struct{ queue.Store }
