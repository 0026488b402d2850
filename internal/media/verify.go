package media

import (
	"fmt"
	"io"
	"os"

	"github.com/kira-art/kira/internal/avenc"
	"github.com/kira-art/kira/internal/imaging"
)

// sniffFile recognises path's format from its first bytes, as uploads are.
func sniffFile(path string) (imaging.Format, error) {
	f, err := os.Open(path)
	if err != nil {
		return imaging.Format{}, err
	}
	defer f.Close()
	head := make([]byte, imaging.SniffLen)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return imaging.Format{}, err
	}
	format, ok := imaging.Sniff(head[:n])
	if !ok {
		return imaging.Format{}, fmt.Errorf("%w: not a recognised media file", avenc.ErrMalformed)
	}
	return format, nil
}

// verifyVideo checks that path is a whole MP4 with a video track, in the
// shape the upload sniffer accepts too, and returns its index.
func verifyVideo(path string) (avenc.MP4Info, error) {
	format, err := sniffFile(path)
	if err != nil {
		return avenc.MP4Info{}, err
	}
	if format != imaging.MP4 {
		return avenc.MP4Info{}, fmt.Errorf("%w: %s, not video/mp4", avenc.ErrMalformed, format.ContentType)
	}
	info, err := probeFile(path, avenc.ProbeMP4)
	if err == nil && (info.Width <= 0 || info.Height <= 0 || info.Duration <= 0) {
		err = fmt.Errorf("%w: video of %dx%d, %v", avenc.ErrMalformed, info.Width, info.Height, info.Duration)
	}
	return info, err
}

// verifyAudio checks that path is a whole WAV or MP3 file and returns its
// content type and shape (for MP3, rate, channels and duration only).
func verifyAudio(path string) (string, avenc.WAVInfo, error) {
	format, err := sniffFile(path)
	if err != nil {
		return "", avenc.WAVInfo{}, err
	}
	switch format {
	case imaging.WAV:
		info, err := probeFile(path, avenc.ProbeWAV)
		return format.ContentType, info, err
	case imaging.MP3:
		info, err := probeFile(path, avenc.ProbeMP3)
		return format.ContentType, avenc.WAVInfo{SampleRate: info.SampleRate, Channels: info.Channels, Duration: info.Duration}, err
	}
	return "", avenc.WAVInfo{}, fmt.Errorf("%w: %s, not WAV or MP3", avenc.ErrMalformed, format.ContentType)
}
