package queue

import "testing"

func TestMemoryStoreConformance(t *testing.T) {
	testStore(t, func(*testing.T) Store { return NewMemoryStore() })
}
