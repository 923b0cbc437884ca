package queue_test

import (
	"context"
	"testing"
	"time"

	"github.com/anteroom/anteroom/queue"
	"github.com/anteroom/anteroom/queue/memstore"
)

// A poll batched before a leave (on this node or another) reaches the
// store after it: the ticket must stay out of the line.
func TestLeaveIsFinalAgainstLatePolls(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	s := memstore.New()
	p := queue.Policy{MaxActive: 1, PerMinute: 60, Burst: 5, SessionTTL: time.Minute, ClaimWindow: 30 * time.Second, AbandonAfter: time.Minute}
	if _, err := s.Open(ctx, "r", false, 1, now); err != nil {
		t.Fatal(err)
	}
	a, _ := s.Join(ctx, "r", now)
	b, _ := s.Join(ctx, "r", now)
	if err := s.Leave(ctx, "r", a); err != nil {
		t.Fatal(err)
	}
	if err := s.Seen(ctx, "r", []uint64{a}, now); err != nil { // the late poll
		t.Fatal(err)
	}
	if _, err := s.Advance(ctx, "r", p, now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Claim(ctx, "r", a, "sa", now.Add(time.Second)); err != queue.ErrForfeited {
		t.Errorf("claim of the ticket that left: %v, want ErrForfeited", err)
	}
	if sid, err := s.Claim(ctx, "r", b, "sb", now.Add(time.Second)); err != nil || sid != "sb" {
		t.Errorf("claim of the next ticket: %q, %v; want its turn", sid, err)
	}
}
