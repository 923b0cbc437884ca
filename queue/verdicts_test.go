package queue

import (
	"strings"
	"testing"
	"time"
)

func TestStatusMessagesReadWell(t *testing.T) {
	for _, m := range []string{unavailableMessage} {
		if m == "" || strings.HasSuffix(m, " ") {
			t.Errorf("message %q", m)
		}
	}
}

// TestVerdictsSayOneThing: the answers the gateway renders without asking
// about a ticket come from the engine, in its words.
func TestVerdictsSayOneThing(t *testing.T) {
	// No store: these answers are the engine's own, asked of nobody.
	r := NewRoom("shop", nil, Options{Policy: Policy{MaxActive: 1, PerMinute: 60, Burst: 1, SessionTTL: time.Minute, ClaimWindow: time.Minute, AbandonAfter: time.Minute}, PollInterval: 3 * time.Second})
	if st := r.UnavailableStatus(); st.State != StateWaiting || st.Message != unavailableMessage || st.PollAfterMS != 3000 {
		t.Errorf("unavailable: %+v", st)
	}
	r.Pause()
	if st := r.UnavailableStatus(); st.State != StatePaused {
		t.Errorf("unavailable while paused: state %s, want paused", st.State)
	}
	if st := r.SoldOutStatus(); st.State != StateSoldOut || st.Message != soldOutMessage {
		t.Errorf("sold out: %+v", st)
	}
	if st := r.AdmittedStatus(); st.State != StateAdmitted || st.Progress != 100 {
		t.Errorf("admitted: %+v", st)
	}
	if st := r.ArrivalStatus(Arrival{State: StatePrequeue, OpensInSeconds: 90}); st.State != StatePrequeue || st.OpensInSeconds != 90 || st.PollAfterMS != 3000 {
		t.Errorf("arrival before the pre-queue: %+v", st)
	}
}
