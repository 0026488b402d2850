// Package embed turns images into vectors for near-duplicate detection and
// finds the nearest stored vectors. The local embedder is a perceptual
// embedding computed in-process (no model download); the index is a
// brute-force cosine scan over the embeddings table, behind an interface a
// real vector index (pgvector, an external service) can replace.
package embed

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"math"
)

// Vector is an embedding. Embedders return L2-normalised vectors so the
// cosine distance is 1 − dot product.
type Vector []float32

// Embedder turns an image into a vector.
type Embedder interface {
	// Model names the embedding (algorithm and version). Vectors of
	// different models are never compared: a changed algorithm gets a new
	// name so old rows are ignored rather than misread.
	Model() string
	// Embed computes the image's vector.
	Embed(ctx context.Context, img image.Image) (Vector, error)
}

// CosineDistance is 1 − cos(a, b): 0 for the same direction, 1 for
// unrelated (orthogonal) vectors, 2 for opposite ones. Vectors of different
// length or of zero norm cannot be compared and count as unrelated (1).
func CosineDistance(a, b Vector) float64 {
	if len(a) != len(b) || len(a) == 0 {
		return 1
	}
	var dot, na, nb float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		dot += x * y
		na += x * x
		nb += y * y
	}
	if na == 0 || nb == 0 {
		return 1
	}
	d := 1 - dot/math.Sqrt(na*nb)
	// Rounding can push identical vectors a hair below zero.
	return math.Max(0, math.Min(2, d))
}

// Normalize scales v to unit length in place; a zero vector stays zero.
func Normalize(v Vector) Vector {
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	if n == 0 {
		return v
	}
	inv := 1 / math.Sqrt(n)
	for i := range v {
		v[i] = float32(float64(v[i]) * inv)
	}
	return v
}

// Bytes encodes v as little-endian float32s, the storage format of the
// embeddings table on both databases.
func (v Vector) Bytes() []byte {
	out := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(out[4*i:], math.Float32bits(x))
	}
	return out
}

// ErrBadVector is returned for stored bytes that are not a float32 vector.
var ErrBadVector = errors.New("embed: stored vector is not a whole number of float32s")

// FromBytes decodes a vector written by Bytes.
func FromBytes(b []byte) (Vector, error) {
	if len(b)%4 != 0 {
		return nil, fmt.Errorf("%w (%d bytes)", ErrBadVector, len(b))
	}
	v := make(Vector, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}
