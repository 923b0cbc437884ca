package main

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/anteroom/anteroom/token"
)

// craftedRoom and craftedState have the field names of the memory store's
// saved state (gob matches fields by name), enough to write the attack of
// issue 8, item 7: a room whose last ticket is number 2^64-1, which the
// next Advance walks towards for ever.
type craftedRoom struct {
	Issued uint64
}

type craftedState struct {
	Version int
	Rooms   map[string]*craftedRoom
}

// TestServeRefusesBadStateFile: serve does not start on a state file it
// refuses; it exits 1 saying which file, room and field, and how to start
// anyway. With -discard-state it moves the file aside, says so loudly, and
// serves.
func TestServeRefusesBadStateFile(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "origin page %s", r.URL.Path)
	}))
	defer origin.Close()
	dir := t.TempDir()
	state := filepath.Join(dir, "anteroom.state")
	var crafted bytes.Buffer
	if err := gob.NewEncoder(&crafted).Encode(craftedState{Version: 3, Rooms: map[string]*craftedRoom{"shop": {Issued: math.MaxUint64}}}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(state, crafted.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	addr, adminAddr := freeAddr(t), freeAddr(t)
	cfg := serveConfig(t, addr, adminAddr, origin.URL, state)
	t.Setenv("ANTEROOM_SECRET", token.NewSecret())

	refused := make(chan [2]string, 1)
	go func() {
		code, _, stderr := runCmd("serve", "-config", cfg)
		refused <- [2]string{fmt.Sprint(code), stderr}
	}()
	select {
	case got := <-refused:
		if got[0] != "1" {
			t.Errorf("exit %s, want 1; stderr:\n%s", got[0], got[1])
		}
		for _, want := range []string{state, `room \"shop\"`, "Polls.N", "-discard-state"} {
			if !strings.Contains(got[1], want) {
				t.Errorf("stderr does not say %s:\n%s", want, got[1])
			}
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve on a crafted state file neither started nor stopped in 10s")
	}
	if now, _ := os.ReadFile(state); !bytes.Equal(now, crafted.Bytes()) {
		t.Error("the refused state file was changed")
	}

	var logs syncBuffer
	exited := make(chan int, 1)
	go func() { exited <- run([]string{"serve", "-config", cfg, "-discard-state"}, &logs, &logs) }()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		select {
		case code := <-exited:
			t.Fatalf("serve -discard-state exited %d at start:\n%s", code, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve -discard-state never listened:\n%s", logs.String())
		}
	}
	if _, body := httpGet(t, "http://"+addr+"/item"); body != "origin page /item" {
		t.Errorf("serving after discarding the state: got %q", body)
	}
	aside, _ := filepath.Glob(state + ".rejected-*")
	if len(aside) != 1 {
		t.Errorf("files moved aside: %v, want one", aside)
	} else if kept, _ := os.ReadFile(aside[0]); !bytes.Equal(kept, crafted.Bytes()) {
		t.Errorf("%s does not hold the refused file", aside[0])
	}
	if l := logs.String(); !strings.Contains(l, "QUEUE STATE REFUSED") || !strings.Contains(l, "Polls.N") {
		t.Errorf("the discard was not logged with its reason:\n%s", l)
	}
	// serve is listening, so its signal handler is in place: the signal
	// stops it, not the test.
	syscall.Kill(os.Getpid(), syscall.SIGTERM)
	select {
	case code := <-exited:
		if code != 0 {
			t.Errorf("exit %d after SIGTERM:\n%s", code, logs.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("serve -discard-state did not stop on SIGTERM:\n%s", logs.String())
	}
}
