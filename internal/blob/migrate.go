package blob

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strings"
)

// LocalObject is one object of a local store.
type LocalObject struct {
	Key  string
	Size int64
}

// Objects lists every object of the store (temporary files of unfinished
// writes and anything that is not a valid key are skipped).
func (l *Local) Objects() ([]LocalObject, error) {
	var out []LocalObject
	err := filepath.WalkDir(l.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(l.root, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if !ValidKey(key) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		out = append(out, LocalObject{Key: key, Size: info.Size()})
		return nil
	})
	return out, err
}

// MigrateProgress is reported after each object: done of total objects,
// and the bytes copied so far (skipped objects count as done, not copied).
type MigrateProgress struct {
	Done, Total, Copied, Skipped int
	Bytes                        int64
}

// Migrate copies every object of src into dst. It is idempotent: an object
// already in dst with the same size and ETag (the MD5 of its bytes for a
// single-part upload; a multipart ETag is compared by size only) is
// skipped, so an interrupted migration is simply run again.
func Migrate(ctx context.Context, src *Local, dst *S3, progress func(MigrateProgress)) (MigrateProgress, error) {
	objs, err := src.Objects()
	if err != nil {
		return MigrateProgress{}, fmt.Errorf("list local objects: %w", err)
	}
	p := MigrateProgress{Total: len(objs)}
	for _, o := range objs {
		same, err := sameObject(ctx, src, dst, o)
		if err != nil {
			return p, err
		}
		if same {
			p.Skipped++
		} else {
			if err := copyObject(ctx, src, dst, o.Key); err != nil {
				return p, err
			}
			p.Copied++
			p.Bytes += o.Size
		}
		p.Done++
		if progress != nil {
			progress(p)
		}
	}
	return p, nil
}

func sameObject(ctx context.Context, src *Local, dst *S3, o LocalObject) (bool, error) {
	size, etag, err := dst.Stat(ctx, o.Key)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil || size != o.Size {
		return false, err
	}
	if strings.Contains(etag, "-") { // multipart: not an MD5 of the bytes
		return true, nil
	}
	sum, err := localMD5(src, o.Key)
	return err == nil && sum == etag, err
}

func localMD5(src *Local, key string) (string, error) {
	f, err := src.File(key)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := md5.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func copyObject(ctx context.Context, src *Local, dst *S3, key string) error {
	f, err := src.File(key)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := dst.Put(ctx, key, f, ""); err != nil {
		return fmt.Errorf("copy %s: %w", key, err)
	}
	return nil
}
