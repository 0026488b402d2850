package seed

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
)

// Everything random comes from one seeded PCG stream, so the same options
// produce the same ids, texts and relative times.

// newUUID draws a version-4 UUID from r.
func newUUID(r *rand.Rand) string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], r.Uint64())
	binary.LittleEndian.PutUint64(b[8:], r.Uint64())
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return uuid.UUID(b).String()
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// messageID is shaped like the AI SDK's default ids: 16 alphanumerics.
func messageID(r *rand.Rand) string {
	b := make([]byte, 16)
	for i := range b {
		b[i] = alnum[r.IntN(len(alnum))]
	}
	return string(b)
}

const referralAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// referralCode is unique by construction: three characters derived from
// the seed value, then the user's index in base 32. Random codes could
// collide at a million users and fail the unique index.
func referralCode(seed uint64, index int) string {
	b := make([]byte, 8)
	p := seed * 0x9E3779B97F4A7C15
	for i := range 3 {
		b[i] = referralAlphabet[(p>>(i*5))&31]
	}
	for i := 7; i >= 3; i-- {
		b[i] = referralAlphabet[index&31]
		index >>= 5
	}
	return string(b)
}

// between returns a uniform int64 in [lo, hi] (lo when hi < lo).
func between(r *rand.Rand, lo, hi int64) int64 {
	if hi <= lo {
		return lo
	}
	return lo + r.Int64N(hi-lo+1)
}

// chance is true with probability p.
func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

// likesFor draws a post's like count from a log-normal distribution: most
// posts get a handful, a few get hundreds, as on real feeds. mean scales it.
func likesFor(r *rand.Rand, mean float64) int {
	if mean <= 0 {
		return 0
	}
	// exp(N(mu, 1.1²)) has mean exp(mu + 0.605); truncating and
	// subtracting 1 (about 1.5 in all) lets many posts have none.
	mu := math.Log(mean+1.5) - 0.605
	return max(0, int(math.Exp(mu+1.1*r.NormFloat64()))-1)
}

// mustJSON encodes values the generator built itself.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// at turns the generator's Unix microseconds into a store timestamp.
func at(us int64) time.Time { return time.UnixMicro(us).UTC() }
