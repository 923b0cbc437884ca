package demo

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"time"
)

// RunCrowd plays n simulated shoppers against the gateway at base until
// ctx ends. Each arrives, waits its turn as the page would, browses a few
// pages, and leaves or walks away; then comes back a little later, so the
// line keeps moving for as long as the demo runs.
func RunCrowd(ctx context.Context, base string, n int, log *slog.Logger) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			// Arrivals spread over the first seconds, as a real crowd.
			if !sleep(ctx, time.Duration(i)*150*time.Millisecond) {
				return
			}
			for ctx.Err() == nil {
				if err := shopOnce(ctx, base); err != nil && ctx.Err() == nil {
					log.Debug("simulated shopper", "err", err)
					sleep(ctx, 2*time.Second)
				}
				sleep(ctx, time.Duration(5+rand.IntN(20))*time.Second)
			}
		})
	}
	wg.Wait()
}

type status struct {
	State       string `json:"state"`
	PollAfterMS int    `json:"poll_after_ms"`
}

// shopOnce is one visit: join, wait, browse, leave.
func shopOnce(ctx context.Context, base string) error {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	st, err := get(ctx, c, base, true)
	if err != nil {
		return err
	}
	for st.State != "admitted" {
		if !sleep(ctx, jitter(time.Duration(max(st.PollAfterMS, 500))*time.Millisecond)) {
			return nil
		}
		if st, err = get(ctx, c, base+".anteroom/status?room=drop", true); err != nil {
			return err
		}
	}
	pages := 2 + rand.IntN(4)
	for range pages {
		if !sleep(ctx, time.Duration(2+rand.IntN(5))*time.Second) {
			return nil
		}
		if _, err := get(ctx, c, base+"product/"+products[rand.IntN(len(products))].ID, false); err != nil {
			return err
		}
	}
	// Most shoppers leave politely; some just close the tab and let their
	// session run out.
	if rand.IntN(4) > 0 {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+".anteroom/leave?room=drop", nil)
		req.Header.Set("Accept", "application/json")
		if resp, err := c.Do(req); err == nil {
			resp.Body.Close()
		}
	}
	return nil
}

// get fetches u; as JSON it returns the waiting room's status, and a page
// proxied from the shop counts as admitted.
func get(ctx context.Context, c *http.Client, u string, asJSON bool) (status, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return status{}, err
	}
	if asJSON {
		req.Header.Set("Accept", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		return status{}, err
	}
	defer resp.Body.Close()
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		io.Copy(io.Discard, resp.Body)
		return status{State: "admitted"}, nil
	}
	var st status
	err = json.NewDecoder(resp.Body).Decode(&st)
	return st, err
}

func jitter(d time.Duration) time.Duration {
	return d*8/10 + time.Duration(rand.Int64N(int64(d)*4/10+1))
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
