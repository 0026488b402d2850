package media

import (
	"io"
	"os"
)

// probeFile opens path and runs a container probe (avenc.ProbeMP4 …) over
// it.
func probeFile[T any](path string, probe func(io.ReaderAt, int64) (T, error)) (T, error) {
	var zero T
	f, err := os.Open(path)
	if err != nil {
		return zero, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return zero, err
	}
	return probe(f, st.Size())
}
