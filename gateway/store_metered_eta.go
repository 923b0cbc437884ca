package gateway

import (
	"context"
	"time"

	"github.com/anteroom/anteroom/queue"
)

// The rooms' shared ETA model goes through the metered store too, so that
// wrapping the store for its metrics does not hide that it keeps one.

var _ queue.ETAStore = (*meteredStore)(nil)

func (m *meteredStore) PublishETA(ctx context.Context, room string, slot int64, view []byte) ([]byte, error) {
	es, ok := m.Store.(queue.ETAStore)
	if !ok {
		return nil, queue.ErrNoSharedETA
	}
	t := time.Now()
	got, err := es.PublishETA(ctx, room, slot, view)
	m.done(opPublishETA, t, err)
	return got, err
}
