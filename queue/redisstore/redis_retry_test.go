package redisstore

import (
	"bytes"
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/anteroom/anteroom/queue/storetest"
)

// dropProxy is a TCP proxy between a client and Redis that, once armed,
// lets one command that contains a given string reach Redis and run, then
// swallows its answer and closes the connection: the reply lost on the
// way back that makes a client send the command again.
type dropProxy struct {
	ln      net.Listener
	target  string
	mu      sync.Mutex
	match   []byte // armed while not nil
	dropped atomic.Int32
	wg      sync.WaitGroup
}

func newDropProxy(tb testing.TB, target string) *dropProxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &dropProxy{ln: ln, target: target}
	p.wg.Add(1)
	go p.serve()
	tb.Cleanup(func() {
		ln.Close()
		p.wg.Wait()
	})
	return p
}

func (p *dropProxy) addr() string { return p.ln.Addr().String() }

// arm makes the next command containing match lose its answer.
func (p *dropProxy) arm(match string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.match = []byte(match)
}

// take disarms the proxy if chunk (with the tail of what came before on
// its connection) holds the armed string, and reports whether it did.
func (p *dropProxy) take(seen []byte) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.match == nil || !bytes.Contains(seen, p.match) {
		return false
	}
	p.match = nil
	return true
}

func (p *dropProxy) serve() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			client.Close()
			continue
		}
		p.wg.Add(2)
		var drop atomic.Bool
		closeBoth := func() { client.Close(); server.Close() }
		go func() { // client to server: watch for the armed command
			defer p.wg.Done()
			defer closeBoth()
			var tail []byte
			buf := make([]byte, 64<<10)
			for {
				n, err := client.Read(buf)
				if n > 0 {
					seen := append(tail, buf[:n]...)
					if p.take(seen) {
						drop.Store(true)
					}
					tail = append([]byte(nil), seen[max(0, len(seen)-64):]...)
					if _, err := server.Write(buf[:n]); err != nil {
						return
					}
				}
				if err != nil {
					return
				}
			}
		}()
		go func() { // server to client: swallow the armed command's answer
			defer p.wg.Done()
			defer closeBoth()
			buf := make([]byte, 64<<10)
			for {
				n, err := server.Read(buf)
				if n > 0 {
					if drop.Load() {
						p.dropped.Add(1)
						return // the answer is gone, and so is the connection
					}
					if _, err := client.Write(buf[:n]); err != nil {
						return
					}
				}
				if err != nil {
					return
				}
			}
		}()
	}
}

// TestRedisClaimRetriedAfterLostReply: Redis ran a claim but its answer
// was lost; go-redis sends it again, and the shopper is admitted once,
// with the session id of the claim that ran.
func TestRedisClaimRetriedAfterLostReply(t *testing.T) {
	px := newDropProxy(t, startRedis(t))
	s := newRedisStore(t, px.addr(), "retry", false)
	ctx := context.Background()
	storetest.JoinN(t, s, 2, storetest.Start)
	storetest.MustOpen(t, s, storetest.Start)
	storetest.MustAdvance(t, s, storetest.Roomy, storetest.Start)
	// EVALSHA runs the script only once Redis has it; a first EVALSHA
	// answered NOSCRIPT would be the one dropped.
	if err := scriptClaim.Load(ctx, s.client).Err(); err != nil {
		t.Fatal(err)
	}
	px.arm(scriptClaim.Hash())
	sid, err := s.Claim(ctx, storetest.Room, 1, "first", storetest.Start)
	if err != nil || sid != "first" {
		t.Fatalf("Claim through a lost reply: got %q, %v, want %q", sid, err, "first")
	}
	if px.dropped.Load() != 1 {
		t.Fatalf("the proxy dropped %d replies, want 1: the test did not test", px.dropped.Load())
	}
	// The engine's next poll claims again, with a new id.
	if sid, err := s.Claim(ctx, storetest.Room, 1, "second", storetest.Start); err != nil || sid != "first" {
		t.Errorf("Claim again: got %q, %v, want %q", sid, err, "first")
	}
	c, err := s.Counters(ctx, storetest.Room)
	if err != nil {
		t.Fatal(err)
	}
	if c.Active != 1 || c.Admitted != 1 || c.Called != 1 {
		t.Errorf("after the retries: got Active %d Admitted %d Called %d, want 1, 1, 1", c.Active, c.Admitted, c.Called)
	}
}

// TestRedisJoinNotRetried: Join is the one script that is not idempotent;
// when its answer is lost it fails, and the number it took is the only
// one taken.
func TestRedisJoinNotRetried(t *testing.T) {
	px := newDropProxy(t, startRedis(t))
	s := newRedisStore(t, px.addr(), "retry", false)
	ctx := context.Background()
	storetest.JoinN(t, s, 2, storetest.Start)
	px.arm(scriptJoin.Hash())
	if n, err := s.Join(ctx, storetest.Room, storetest.Start); err == nil {
		t.Fatalf("Join through a lost reply: got ticket %d, want an error", n)
	}
	if px.dropped.Load() != 1 {
		t.Fatalf("the proxy dropped %d replies, want 1: the test did not test", px.dropped.Load())
	}
	if c, _ := s.Counters(ctx, storetest.Room); c.Issued != 3 {
		t.Errorf("Issued after one lost Join: got %d, want 3 (run once, not retried)", c.Issued)
	}
	if n := storetest.JoinN(t, s, 1, storetest.Start); n[0] != 4 {
		t.Errorf("next Join: got %d, want 4", n[0])
	}
}
