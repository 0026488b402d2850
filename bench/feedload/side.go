package main

import (
	"context"
	"fmt"
	"os"
	"time"
)

// sideOptions are the side-by-side flags.
type sideOptions struct {
	rounds        int
	round, warmup time.Duration
}

// result is one route's rounds of both sides.
type result struct {
	rt        route
	http, raw []round
}

// runRoutes measures every route: a warm-up of each side, then rounds
// alternating HTTP and raw. like hands its given likes to unlike, and the
// likes left at the end are taken back with the raw sequence, so the
// database ends as it began.
func (b *bench) runRoutes(ctx context.Context, rts []route, seqs map[string]Seq, o sideOptions) ([]result, error) {
	likes := &pairQueue{pairs: b.fx.Pairs}
	likes.limit.Store(int64(len(b.fx.Pairs)))
	var unlikes *pairQueue
	defer func() { b.cleanup(likes, unlikes, seqs["unlike"]) }()
	var out []result
	for _, rt := range rts {
		seq, ok := seqs[rt.Name]
		if !ok {
			return out, fmt.Errorf("queries.go has no sequence for %s", rt.Name)
		}
		q, budget := (*pairQueue)(nil), int64(0)
		switch rt.Name {
		case "like":
			q = likes
		case "unlike":
			unlikes = &pairQueue{pairs: b.fx.Pairs[:likes.taken()]}
			q = unlikes
			// Share the likes out between the rounds (and the two warm-ups).
			budget = max(1, int64(len(q.pairs))/int64(2*o.rounds+2))
		}
		fmt.Fprintf(os.Stderr, "feedload: %s…\n", rt.Name)
		res := result{rt: rt}
		for i := -2; i < 2*o.rounds; i++ {
			if q != nil && budget > 0 {
				q.limit.Store(min(int64(len(q.pairs)), q.taken()+budget))
			}
			d := o.round
			if i < 0 {
				d = o.warmup
			}
			r := b.measure(ctx, d, []one{b.httpOp(rt, q), b.rawOp(rt, seq, q)}[(i+2)%2])
			if r.Errors > 0 {
				fmt.Fprintf(os.Stderr, "feedload: %s: %d errors, first: %s\n", rt.Name, r.Errors, r.FirstErr)
			}
			switch {
			case i < 0:
			case i%2 == 0:
				res.http = append(res.http, r)
			default:
				res.raw = append(res.raw, r)
			}
		}
		out = append(out, res)
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
	}
	return out, nil
}

// cleanup takes back every like this run gave and did not take back.
func (b *bench) cleanup(likes, unlikes *pairQueue, seq Seq) {
	from := int64(0)
	if unlikes != nil {
		from = unlikes.taken()
	}
	left := &pairQueue{pairs: likes.pairs[from:likes.taken()]}
	if len(left.pairs) == 0 {
		return
	}
	left.limit.Store(int64(len(left.pairs)))
	fmt.Fprintf(os.Stderr, "feedload: taking back %d likes\n", len(left.pairs))
	r := b.measure(context.Background(), time.Hour, b.rawOp(route{Likes: true}, seq, left))
	if r.Errors > 0 {
		fmt.Fprintf(os.Stderr, "feedload: cleanup: %d errors, first: %s\n", r.Errors, r.FirstErr)
	}
}
