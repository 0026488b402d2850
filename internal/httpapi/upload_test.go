package httpapi_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/jpeg"
	"strings"
	"testing"

	"github.com/kira-art/kira/internal/blob"
)

func TestUploadImageMakesDerivatives(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		u := e.newUser()
		data := pngBytes(t, gradient(800, 600))
		var out uploaded
		expect(t, e.uploadFile(u, "holiday.png", data), 200).json(t, &out)
		if !strings.HasPrefix(out.FileID, "insert_") || out.Kind != "image" || out.ContentType != "image/png" ||
			out.Size != int64(len(data)) || out.Image == nil {
			t.Fatalf("upload answer %+v", out)
		}
		img := out.Image
		if img.ImageID != out.FileID || img.Width != 800 || img.Height != 600 || img.Blurhash == "" ||
			img.ThumbURL == img.URL || img.BlurURL == img.ThumbURL {
			t.Fatalf("image %+v", img)
		}
		orig := expect(t, e.fetch(img.URL), 200)
		if !bytes.Equal(orig.Body, data) || orig.Header.Get("Content-Type") != "image/png" {
			t.Fatalf("original served as %s, %d bytes", orig.Header.Get("Content-Type"), len(orig.Body))
		}
		for name, c := range map[string]struct {
			url  string
			w, h int
		}{"thumb": {img.ThumbURL, 400, 300}, "blur": {img.BlurURL, 20, 15}} {
			r := expect(t, e.fetch(c.url), 200)
			got, format, err := image.Decode(bytes.NewReader(r.Body))
			if err != nil || format != "jpeg" || r.Header.Get("Content-Type") != "image/jpeg" ||
				got.Bounds().Dx() != c.w || got.Bounds().Dy() != c.h {
				t.Fatalf("%s: %v %s %v", name, err, format, got)
			}
		}
		f, err := e.store.GetFile(context.Background(), out.FileID)
		if err != nil || f.UserID != u.ID || f.Origin != "insert" ||
			f.StorageKey != blob.FileKey(u.ID, out.FileID, "original.png") {
			t.Fatalf("registry row %+v %v", f, err)
		}
	})
}

func TestUploadSniffsTypeFromBytes(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		u := e.newUser()
		// A PNG named and labelled as a video is stored as the PNG it is.
		ct, body := multipartBody(t, formPart{field: "file", filename: "clip.mp4", contentType: "video/mp4",
			data: pngBytes(t, gradient(64, 64))})
		var out uploaded
		expect(t, e.raw("POST", "/upload", u.Token, ct, body, false), 200).json(t, &out)
		if out.Kind != "image" || out.ContentType != "image/png" || out.Image == nil {
			t.Fatalf("lying extension: %+v", out)
		}
		if f, _ := e.store.GetFile(context.Background(), out.FileID); !strings.HasSuffix(f.StorageKey, "/original.png") {
			t.Fatalf("stored under %q", f.StorageKey)
		}
		// Text dressed up as an image is refused.
		ct, body = multipartBody(t, formPart{field: "file", filename: "cat.png", contentType: "image/png",
			data: []byte("<html><script>alert(1)</script></html>")})
		expectError(t, e.raw("POST", "/upload", u.Token, ct, body, false), 415, "unsupported")
		// So are formats outside the list, even when they start like accepted ones.
		heic := append([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"), make([]byte, 100)...)
		expectError(t, e.uploadFile(u, "photo.heic", heic), 415, "unsupported")
	})
}

func TestUploadVideoAndAudioStream(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		u := e.newUser()
		// Larger than any read buffer, so the stored bytes prove the head and
		// the streamed rest were joined correctly.
		big := func(head string, n int) []byte {
			b := make([]byte, n)
			copy(b, head)
			for i := len(head); i < n; i++ {
				b[i] = byte(i * 7)
			}
			return b
		}
		cases := []struct {
			name, kind, contentType string
			data                    []byte
		}{
			{"a.mov", "video", "video/mp4", big("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom", 3<<20)},
			{"b.bin", "video", "video/webm", big("\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", 70_000)},
			{"c.wav", "audio", "audio/mpeg", big("ID3\x04\x00\x00\x00\x00\x00\x23", 1<<20)},
			{"d.mp3", "audio", "audio/wav", big("RIFF\x24\x00\x00\x00WAVEfmt ", 4096)},
			{"e.m4a", "audio", "audio/mp4", big("\x00\x00\x00\x20ftypM4A \x00\x00\x02\x00M4A isom", 600)},
		}
		for _, c := range cases {
			var out uploaded
			expect(t, e.uploadFile(u, c.name, c.data), 200).json(t, &out)
			if out.Kind != c.kind || out.ContentType != c.contentType || out.Size != int64(len(c.data)) || out.Image != nil {
				t.Fatalf("%s: %+v", c.name, out)
			}
			f, err := e.store.GetFile(context.Background(), out.FileID)
			if err != nil || f.Kind != c.kind || f.Size != int64(len(c.data)) {
				t.Fatalf("%s: row %+v %v", c.name, f, err)
			}
			r := expect(t, e.fetch(e.api.Blobs.URL(f.StorageKey)), 200)
			if !bytes.Equal(r.Body, c.data) || r.Header.Get("Content-Type") != c.contentType {
				t.Fatalf("%s: served %d bytes as %s", c.name, len(r.Body), r.Header.Get("Content-Type"))
			}
		}
	})
}

// pngHeader is a PNG whose header claims w×h pixels and whose data is a few
// bytes: a decompression bomb before inflation.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data))) //nolint:errcheck // bytes.Buffer
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(data)
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, crc.Sum32()) //nolint:errcheck // bytes.Buffer
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00})
	chunk("IEND", nil)
	return b.Bytes()
}

func TestUploadBadInput(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		u := e.newUser()
		good := pngBytes(t, gradient(300, 200))
		expectError(t, e.uploadFile(u, "empty.png", nil), 400, "empty")
		expectError(t, e.uploadFile(u, "half.png", good[:len(good)/2]), 400, "corrupt or truncated")
		expectError(t, e.uploadFile(u, "bomb.png", pngHeader(100_000, 100_000)), 413, "100000×100000")
		// Under the pixel limit but 400 MB once decoded at 16 bits per
		// channel: refused from the header (no decoding) too.
		bomb16 := pngHeader(7070, 7070)
		bomb16[24] = 16 // IHDR bit depth
		binary.BigEndian.PutUint32(bomb16[29:], crc32.ChecksumIEEE(bomb16[12:29]))
		expectError(t, e.uploadFile(u, "bomb16.png", bomb16), 413, "memory")

		// Just past the image limit: 413 naming the limit. (Only 100 KiB
		// over, so the server can drain the rest and the client sees the
		// answer instead of a reset connection.)
		over := make([]byte, 20<<20+100<<10)
		copy(over, good)
		expectError(t, e.uploadFile(u, "huge.png", over), 413, "20 MiB")

		ct, body := multipartBody(t, formPart{field: "other", data: []byte("x")}, formPart{field: "picture", filename: "a.png", data: good})
		expectError(t, e.raw("POST", "/upload", u.Token, ct, body, true), 400, "file: field is required")
		expectError(t, e.raw("POST", "/upload", u.Token, "application/json", []byte(`{"file":"x"}`), true), 400, "multipart")
		ct, body = multipartBody(t, formPart{field: "file", filename: "a.png", data: good})
		cut := body[:len(body)/2] // the multipart body ends mid-file
		expectError(t, e.raw("POST", "/upload", u.Token, ct, cut, true), 400, "could not be read")
		expect(t, e.raw("POST", "/upload", "", ct, body, false), 401)

		// Fields before the file are skipped.
		ct, body = multipartBody(t, formPart{field: "note", data: []byte("hello")}, formPart{field: "file", filename: "a.png", data: good})
		var out uploaded
		expect(t, e.raw("POST", "/upload", u.Token, ct, body, false), 200).json(t, &out)
		if out.Image == nil || out.Image.Width != 300 {
			t.Fatalf("upload after another field: %+v", out)
		}
	})
}

// exifJPEG is a JPEG of img tagged with EXIF orientation o, as phones
// store portrait photos.
func exifJPEG(t *testing.T, img image.Image, o uint16) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	tiff := []byte("MM\x00\x2a\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00")
	binary.BigEndian.PutUint16(tiff[18:], o)
	seg := append([]byte("Exif\x00\x00"), tiff...)
	out := []byte{0xff, 0xd8, 0xff, 0xe1, 0, 0}
	binary.BigEndian.PutUint16(out[4:], uint16(len(seg)+2))
	return append(append(out, seg...), b.Bytes()[2:]...)
}

func TestUploadFollowsEXIFOrientation(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, e *env) {
		u := e.newUser()
		var out uploaded
		expect(t, e.uploadFile(u, "IMG_0001.JPG", exifJPEG(t, gradient(160, 90), 6)), 200).json(t, &out)
		if out.ContentType != "image/jpeg" || out.Image.Width != 90 || out.Image.Height != 160 {
			t.Fatalf("a portrait photo stored sideways must report its displayed size: %+v", out.Image)
		}
		thumb, _, err := image.Decode(bytes.NewReader(expect(t, e.fetch(out.Image.ThumbURL), 200).Body))
		if err != nil || thumb.Bounds().Dx() != 90 || thumb.Bounds().Dy() != 160 {
			t.Fatalf("thumbnail not upright: %v %v", thumb.Bounds(), err)
		}
	})
}
