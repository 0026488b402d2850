package seed

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"runtime"
	"sync"

	"github.com/kira-art/kira/internal/blob"
	"github.com/kira-art/kira/internal/imaging"
	"github.com/kira-art/kira/internal/media"
)

// poolImage is one rendered picture and its derivatives in the blob store.
// Seeded file rows point at pool blobs, so a million posts need a few
// hundred images on disk, not a million.
type poolImage struct {
	key, thumbKey, blurKey string
	width, height          int
	size                   int64
	blurhash               string
	prompt                 string
	seed                   int64
	ratio                  string
}

// poolClip is a rendered video or song; poster is its thumbnail or cover.
type poolClip struct {
	key           string
	contentType   string
	size          int64
	width, height int
	durationMS    int64
	poster        int // index into pool.images
}

type pool struct {
	images []poolImage
	videos []poolClip
	audios []poolClip
}

// clipCounts: videos and songs are few and reused (they are much larger
// than images and rarer in the feed); a small pool gets fewer of them.
func clipCounts(poolSize int) (videos, songs int) {
	return min(4, max(1, poolSize/50)), min(6, max(1, poolSize/30))
}

// buildPool renders the pool (deterministic in seed) and, when write is
// set, stores it. Without write only the metadata is computed, for
// database-only runs where no one fetches the files.
func buildPool(ctx context.Context, blobs blob.Store, seed uint64, size int, write bool, progress func(done int)) (*pool, error) {
	r := rand.New(rand.NewPCG(seed, 0x706f6f6c)) // "pool"
	p := &pool{images: make([]poolImage, size)}
	prefix := fmt.Sprintf("seed/%d/", seed)
	for i := range p.images {
		pr := newPrompt(r)
		p.images[i] = poolImage{key: fmt.Sprintf("%simg-%04d.png", prefix, i), prompt: pr.String(),
			seed: r.Int64N(1 << 31), ratio: pick(r, ratios)}
	}
	videos, songs := clipCounts(size)
	for i := range videos {
		p.videos = append(p.videos, poolClip{key: fmt.Sprintf("%svideo-%02d.mp4", prefix, i), contentType: "video/mp4",
			poster: r.IntN(size), durationMS: 5000})
	}
	for i := range songs {
		p.audios = append(p.audios, poolClip{key: fmt.Sprintf("%ssong-%02d.wav", prefix, i), contentType: "audio/wav",
			poster: r.IntN(size), durationMS: songMillis})
	}
	var decoded []image.Image // kept only to animate the video posters
	if write {
		decoded = make([]image.Image, size)
	}
	err := parallel(ctx, size, func(i int) error {
		img, err := renderPoolImage(ctx, blobs, &p.images[i], write)
		if decoded != nil {
			decoded[i] = img
		}
		progress(1)
		return err
	})
	if err != nil || !write {
		for i := range p.videos {
			v := &p.videos[i]
			v.width, v.height = videoSize(p.images[v.poster].width, p.images[v.poster].height)
		}
		return p, err
	}
	for i, v := range p.videos {
		data, w, h := renderVideo(decoded[v.poster], 5*videoFPS, uint64(i))
		p.videos[i].width, p.videos[i].height, p.videos[i].size = w, h, int64(len(data))
		if _, err := blobs.Put(ctx, v.key, bytes.NewReader(data), v.contentType); err != nil {
			return nil, err
		}
	}
	for i, a := range p.audios {
		data := renderSong(seed + uint64(i))
		p.audios[i].size = int64(len(data))
		if _, err := blobs.Put(ctx, a.key, bytes.NewReader(data), a.contentType); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// renderPoolImage renders one picture with the local image provider and
// stores it with the derivatives the upload pipeline would make.
func renderPoolImage(ctx context.Context, blobs blob.Store, pi *poolImage, write bool) (image.Image, error) {
	w, h, err := media.Dimensions("lite", pi.ratio)
	if err != nil {
		return nil, err
	}
	pi.width, pi.height = w, h
	if !write {
		return nil, nil
	}
	out, err := media.LocalImages{}.Generate(ctx, media.ImageRequest{Prompt: pi.prompt, Ratio: pi.ratio, Model: "lite",
		Count: 1, Seed: pi.seed})
	if err != nil {
		return nil, fmt.Errorf("render pool image: %w", err)
	}
	img, err := png.Decode(bytes.NewReader(out[0].Data))
	if err != nil {
		return nil, err
	}
	d, err := imaging.Derive(img)
	if err != nil {
		return nil, err
	}
	base := pi.key[:len(pi.key)-len(".png")]
	pi.thumbKey, pi.blurKey = base+"-thumb"+d.Thumb.Ext, base+"-blur"+d.Blur.Ext
	pi.blurhash, pi.size = d.Blurhash, int64(len(out[0].Data))
	for _, o := range []struct {
		key, ct string
		data    []byte
	}{{pi.key, out[0].ContentType, out[0].Data}, {pi.thumbKey, d.Thumb.ContentType, d.Thumb.Data},
		{pi.blurKey, d.Blur.ContentType, d.Blur.Data}} {
		if _, err := blobs.Put(ctx, o.key, bytes.NewReader(o.data), o.ct); err != nil {
			return nil, fmt.Errorf("store %s: %w", o.key, err)
		}
	}
	return img, nil
}

// parallel runs fn(0..n-1) on as many goroutines as there are CPUs.
func parallel(ctx context.Context, n int, fn func(i int) error) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				if err := fn(i); err != nil {
					mu.Lock()
					first = cmp.Or(first, err)
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return cmp.Or(first, ctx.Err())
}
