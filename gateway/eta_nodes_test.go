package gateway

import (
	"context"
	"testing"
	"time"

	"github.com/anteroom/anteroom/internal/redistest"
)

// TestETASameOnEveryNode: three gateways on one Redis tell a waiting
// shopper the same place, people ahead, range and progress whichever node
// the poll reaches, while the line moves (issue 12: the estimate is the
// room's, shared through the store, not each node's own). The nodes share
// one clock, so that they are asked at the very same instant, but the
// first node reads the store before the polls and the others after, as
// nodes ticking at their own moments do; the line moves by the rate
// budget, one admission every two seconds.
func TestETASameOnEveryNode(t *testing.T) {
	redis := redistest.Start(t)
	o := newOrigin(t, nil)
	cfg := testConfig(o.URL)
	room := &cfg.Rooms[0]
	room.MaxActiveUsers, room.NewUsersPerMinute, room.Burst = 1000, 30, 1
	nodes := redisNodes(t, cfg, []string{redis.Addr}, 3)
	shoppers := make([]*shopper, 24)
	for i := range shoppers {
		shoppers[i] = newShopper(t)
		shoppers[i].get(nodes[i%len(nodes)].URL + "/")
	}
	done := make([]bool, len(shoppers))
	compared, ranges := 0, 0
	for step := range 40 {
		nodes[0].clock.Advance(time.Second)
		nodes[0].Tick(context.Background())
		for i, s := range shoppers {
			if done[i] {
				continue
			}
			answers := make([]statusAnswer, len(nodes))
			for j, n := range nodes {
				answers[j] = s.status(n.URL)
			}
			waiting := true
			for _, a := range answers {
				waiting = waiting && a.State == "waiting"
			}
			if !waiting {
				// Called or in: a claim on one node changes what the next
				// node says, and there is no estimate left to agree on.
				done[i] = true
				continue
			}
			compared++
			if answers[0].ETA[1] > 0 {
				ranges++
			}
			for j, a := range answers[1:] {
				b := answers[0]
				if a.Position != b.Position || a.Ahead != b.Ahead || a.ETA != b.ETA || a.Progress != b.Progress {
					t.Errorf("at %d s, shopper %d: node 1 says place %d, %d ahead, %v s, %d %%; node %d says place %d, %d ahead, %v s, %d %%",
						step+1, i, b.Position, b.Ahead, b.ETA, b.Progress, j+2, a.Position, a.Ahead, a.ETA, a.Progress)
				}
			}
		}
		for _, n := range nodes[1:] {
			n.Tick(context.Background())
		}
	}
	t.Logf("%d polls asked of all three nodes while waiting, %d of them with a range", compared, ranges)
	if compared < 200 || ranges < compared/2 {
		t.Fatalf("%d polls compared, %d with a range: the line did not test the estimate", compared, ranges)
	}
	admitted := 0
	for _, d := range done {
		if d {
			admitted++
		}
	}
	if admitted == 0 || admitted == len(shoppers) {
		t.Errorf("%d of %d shoppers left the line in 40 s at one admission every 2 s: the line did not move as it should", admitted, len(shoppers))
	}
}
