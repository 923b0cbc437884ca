package gateway

import (
	"context"
	"time"
)

// watch keeps what operators read about the sale: every historyEvery a
// sample of each room for the dashboard's charts, every minute the log's
// summaries and the counts of errors it held back.
func (g *Gateway) watch(ctx context.Context) {
	t := time.NewTicker(g.watchEvery)
	defer t.Stop()
	lastMinute := g.now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			now := g.now()
			g.sampleRooms(now)
			if now.Sub(lastMinute) >= time.Minute {
				g.logMinute()
				lastMinute = now
			}
		}
	}
}
