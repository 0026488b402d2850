package blob

import (
	"strconv"
	"testing"
	"time"
)

// BenchmarkURL is the signer's cost per URL on a feed page: the same few
// hundred keys asked for again and again (hits), and keys never seen
// before (misses: the signature is computed).
func BenchmarkURL(b *testing.B) {
	s := NewSigner("https://kira.example.com", []byte("0123456789abcdef0123456789abcdef"))
	keys := make([]string, 300)
	for i := range keys {
		keys[i] = "images/9b2f1c4e-0d7a-4c55-9a0e-3f5b2d8c1a77/gen_" + strconv.Itoa(i) + "-thumb.webp"
	}
	b.Run("hot", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			_ = s.URL(keys[i%len(keys)])
			i++
		}
	})
	b.Run("hot-URLAt", func(b *testing.B) {
		b.ReportAllocs()
		now := time.Now()
		i := 0
		for b.Loop() {
			_ = s.URLAt(keys[i%len(keys)], now)
			i++
		}
	})
	b.Run("cold", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			_ = s.URLUntil(keys[i%len(keys)], s.now().Add(URLTTL))
			i++
		}
	})
}
