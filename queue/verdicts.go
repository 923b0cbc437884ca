package queue

// What a shopper is told in the cases the engine is not asked about a
// ticket: built here, once, so that every answer of the gateway — a page,
// JSON on a room path, a status poll — says the same thing in the same
// words. The gateway only renders them.

// AdmittedStatus is the answer to a poll from a shopper who is already in.
func (r *Room) AdmittedStatus() Status {
	return Status{Room: r.name, State: StateAdmitted, Progress: 100}
}

// UnavailableStatus is the answer while the store cannot be reached and the
// shopper's place cannot be looked up: they keep it, and the page carries
// on polling.
func (r *Room) UnavailableStatus() Status {
	return Status{Room: r.name, State: r.waitingState(), PollAfterMS: r.pollAfter(0), Message: unavailableMessage}
}

// SoldOutStatus is the answer to a purchase that found no unit left.
func (r *Room) SoldOutStatus() Status {
	return Status{Room: r.name, State: StateSoldOut, PollAfterMS: soldOutPoll, Message: soldOutMessage}
}

// ArrivalStatus is the answer to an arrival that was neither admitted nor
// given a ticket: the room is closed, sold out, or not taking arrivals yet.
func (r *Room) ArrivalStatus(a Arrival) Status {
	st := Status{Room: r.name, State: a.State, OpensInSeconds: a.OpensInSeconds, PollAfterMS: r.pollAfter(0)}
	if a.State == StateSoldOut {
		st.PollAfterMS, st.Message = soldOutPoll, soldOutMessage
	}
	return st
}
