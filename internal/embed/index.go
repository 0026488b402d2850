package embed

import (
	"context"
	"fmt"
	"sort"

	"github.com/kira-art/kira/internal/store"
)

// Match is a stored vector near a query.
type Match struct {
	FeedID   string
	UserID   string
	Distance float64 // cosine distance to the query
}

// Index stores posts' vectors and finds near ones. A space groups vectors
// that may be compared (one embedding model and one media kind, see Space):
// a video's thumbnail is never a "duplicate" of the image it was made from.
type Index interface {
	// Upsert stores or replaces a post's vector; public says whether other
	// users' queries may match it.
	Upsert(ctx context.Context, space, feedID, userID string, public bool, v Vector) error
	// Delete forgets a post's vector (missing is not an error).
	Delete(ctx context.Context, feedID string) error
	// Nearest returns the vectors of the space within maxDistance of v,
	// nearest first, among the viewer's own posts (hidden included) and
	// public posts.
	Nearest(ctx context.Context, space string, v Vector, viewerUserID string, maxDistance float64) ([]Match, error)
}

// Space names the vector space of a model and a media kind.
func Space(model, mediaKind string) string { return model + "/" + mediaKind }

// StoreIndex is the brute-force Index over the embeddings table: Nearest
// reads every candidate vector of the space and computes its cosine
// distance in Go. That is exact and fine for the tens of thousands of
// posts a user and the public feed hold at first; it is linear in the number
// of public posts.
//
// To replace it with a vector index, implement Index elsewhere and wire it in
// app: with pgvector, add a migration with a `vector(111)` column (or a side
// table) and an HNSW index using `vector_cosine_ops`, write it in Upsert, and
// answer Nearest with `ORDER BY embedding <=> $1 LIMIT k` filtered by space
// and `(is_public OR user_id = $viewer)`, keeping rows whose distance is
// ≤ maxDistance. Nothing outside app and the new type needs to change.
type StoreIndex struct {
	st *store.Store
}

// NewStoreIndex returns the brute-force index over st.
func NewStoreIndex(st *store.Store) *StoreIndex { return &StoreIndex{st: st} }

// Upsert implements Index.
func (x *StoreIndex) Upsert(ctx context.Context, space, feedID, userID string, public bool, v Vector) error {
	return x.st.UpsertEmbedding(ctx, store.Embedding{FeedID: feedID, UserID: userID, Space: space,
		Dims: len(v), Vector: v.Bytes(), Public: public})
}

// Delete implements Index.
func (x *StoreIndex) Delete(ctx context.Context, feedID string) error {
	return x.st.DeleteEmbedding(ctx, feedID)
}

// Nearest implements Index.
func (x *StoreIndex) Nearest(ctx context.Context, space string, v Vector, viewerUserID string, maxDistance float64) ([]Match, error) {
	var out []Match
	err := x.st.ScanEmbeddings(ctx, space, viewerUserID, func(e store.Embedding) error {
		if e.Dims != len(v) {
			return nil // written by another version of the model: not comparable
		}
		w, err := FromBytes(e.Vector)
		if err != nil {
			return fmt.Errorf("embedding of %s: %w", e.FeedID, err)
		}
		if d := CosineDistance(v, w); d <= maxDistance {
			out = append(out, Match{FeedID: e.FeedID, UserID: e.UserID, Distance: d})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Distance < out[j].Distance })
	return out, nil
}
