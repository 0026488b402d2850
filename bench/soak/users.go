package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/kira-art/kira/bench/internal/loadkit"

	"github.com/google/uuid"

	"github.com/kira-art/kira/internal/auth"
)

// mintUsers signs a token for n new users with the servers' development
// key, as `kira token` does. The key must exist: a new one would not be
// the servers'.
func mintUsers(dataDir string, n int, ttl time.Duration) ([]user, error) {
	if _, err := os.Stat(filepath.Join(dataDir, auth.DevKeyFileName)); err != nil {
		return nil, fmt.Errorf("dev key: %w (the servers' KIRA_DATA_DIR, after they started)", err)
	}
	key, err := auth.LoadOrCreateDevKey(dataDir)
	if err != nil {
		return nil, err
	}
	out := make([]user, n)
	for i := range out {
		id := uuid.NewString()
		tok, err := key.Mint(id, "soak-"+strconv.Itoa(i)+"@example.com", ttl, "")
		if err != nil {
			return nil, err
		}
		// 10.a.b.c, one per user: each user is its own client IP.
		out[i] = user{id: id, token: tok, ip: fmt.Sprintf("10.%d.%d.%d", (i>>16)&255, (i>>8)&255, i&255+1)}
	}
	return out, nil
}

// signUp makes each user's profile (the first authenticated request) so
// the load does not start with a burst of sign-ups.
func (s *soak) signUp(ctx context.Context) error {
	return loadkit.ForEach(ctx, len(s.users), 8, func(ctx context.Context, i int) error {
		return s.getJSON(ctx, request{route: "GET /user/profile (sign-up)", method: "GET", path: "/user/profile", u: &s.users[i]}, nil)
	})
}

// grant gives the users that run the agent credits and the task users plan
// pro, with the kira binary of -kira on this process's environment.
func (s *soak) grant(ctx context.Context, agentUsers, taskUsers []*user) error {
	if s.o.kira == "" {
		return nil
	}
	err := loadkit.ForEach(ctx, len(agentUsers), 4, func(ctx context.Context, i int) error {
		return kiraCmd(ctx, s.o, "credits", "--sub", agentUsers[i].id, "--add", strconv.Itoa(s.o.credits))
	})
	if err != nil {
		return err
	}
	return loadkit.ForEach(ctx, len(taskUsers), 4, func(ctx context.Context, i int) error {
		return kiraCmd(ctx, s.o, "plan", "--sub", taskUsers[i].id, "--plan", "pro")
	})
}

// kiraCmd runs an operator command of -kira with this environment and
// KIRA_DATA_DIR set to -data-dir (the servers' key and, with SQLite, their
// database).
func kiraCmd(ctx context.Context, o options, args ...string) error {
	cmd := exec.CommandContext(ctx, o.kira, args...)
	cmd.Env = append(os.Environ(), "KIRA_DATA_DIR="+o.dataDir)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("kira %s: %v: %s", args[0], err, out)
	}
	return nil
}

// postPool keeps the ids of posts the feed readers saw, for the likers.
type postPool struct {
	mu  sync.Mutex
	ids []string
	at  int
}

const postPoolSize = 2000

// add remembers ids, replacing the oldest once full.
func (p *postPool) add(ids ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, id := range ids {
		if len(p.ids) < postPoolSize {
			p.ids = append(p.ids, id)
			continue
		}
		p.ids[p.at] = id
		p.at = (p.at + 1) % postPoolSize
	}
}

// pick returns a random known post, or "" before any is known.
func (p *postPool) pick() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.ids) == 0 {
		return ""
	}
	return p.ids[rand.IntN(len(p.ids))]
}
