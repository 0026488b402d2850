package main

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"mime/multipart"
)

// uploader uploads a small new PNG as one of its users and deletes it.
func (s *soak) uploader(ctx context.Context, users []*user) {
	for n := 0; s.running(ctx); n++ {
		u := users[n%len(users)]
		body, ct, err := pngForm()
		if err != nil {
			s.rec.count("POST /upload", outcome{kind: "building the body", detail: err.Error()})
			return
		}
		var out struct {
			FileID string `json:"fileId"`
			Image  *struct {
				ImageID string `json:"imageId"`
			} `json:"image"`
		}
		rq := request{route: "POST /upload", method: "POST", path: "/upload", u: u, body: body, contentType: ct}
		if s.getJSON(ctx, rq, &out) != nil {
			continue
		}
		if out.Image == nil || out.Image.ImageID == "" {
			s.rec.count("POST /upload", outcome{kind: "not an image", detail: out.FileID})
			continue
		}
		s.getJSON(ctx, request{route: "DELETE /image/{id}", method: "DELETE", path: "/image/" + out.Image.ImageID, u: u}, nil) //nolint:errcheck // recorded
	}
}

// pngForm is a multipart body with a 64x64 PNG of random blocks (a new
// image every time, as a user's photos are) in the field "file".
func pngForm() (*bytes.Buffer, string, error) {
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for by := 0; by < 64; by += 8 {
		for bx := 0; bx < 64; bx += 8 {
			c := color.RGBA{uint8(rand.IntN(256)), uint8(rand.IntN(256)), uint8(rand.IntN(256)), 255}
			for y := by; y < by+8; y++ {
				for x := bx; x < bx+8; x++ {
					img.SetRGBA(x, y, c)
				}
			}
		}
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, err := mw.CreateFormFile("file", "soak.png")
	if err != nil {
		return nil, "", err
	}
	if err := png.Encode(w, img); err != nil {
		return nil, "", err
	}
	if err := mw.Close(); err != nil {
		return nil, "", err
	}
	return &buf, mw.FormDataContentType(), nil
}
