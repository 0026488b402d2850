package imaging

import "testing"

func BenchmarkDerive24MP(b *testing.B) {
	img := pattern(6000, 4000)
	b.ResetTimer()
	for range b.N {
		if _, err := Derive(img); err != nil {
			b.Fatal(err)
		}
	}
}
