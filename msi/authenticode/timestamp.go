package authenticode

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"time"
)

type messageImprint struct {
	HashAlgorithm pkix.AlgorithmIdentifier
	HashedMessage []byte
}

// tstInfo holds the fields of an RFC 3161 TSTInfo that matter here.
type tstInfo struct {
	imprint messageImprint
	genTime time.Time
	nonce   *big.Int
}

// verifyTimestamp finds and verifies the timestamp of the primary signer:
// an RFC 3161 token (unsigned attribute 1.3.6.1.4.1.311.3.3.1) or a legacy
// Authenticode countersignature (PKCS#9 counterSignature). It returns nil
// and no error when there is none, and the token's own certificates.
func verifyTimestamp(p *parser, si *signerInfo, certs []*x509.Certificate) (*Timestamp, []*x509.Certificate, error) {
	if a := si.attr(si.unauth, oidSpcRFC3161); a != nil {
		if len(a.values) != 1 {
			return nil, nil, newProblem(ErrBadTimestamp, nil, "%d RFC 3161 tokens, want one", len(a.values))
		}
		return verifyToken(p, a.values[0].FullBytes, si.signature, certs)
	}
	if a := si.attr(si.unauth, oidAttrCounterSignature); a != nil {
		if len(a.values) != 1 {
			return nil, nil, newProblem(ErrBadTimestamp, nil, "%d countersignatures, want one", len(a.values))
		}
		cs, err := p.parseSignerInfo(a.values[0].FullBytes)
		if err != nil {
			return nil, nil, newProblem(ErrBadTimestamp, err, "countersignature")
		}
		cs.bareDigestOK = true
		cert := findSigner(certs, cs)
		if cert == nil {
			return nil, nil, newProblem(ErrBadTimestamp, nil, "the countersigner's certificate is not in the signature")
		}
		if !cs.authPresent {
			return nil, nil, newProblem(ErrBadTimestamp, nil, "countersignature without signed attributes")
		}
		if err := checkSignerInfo(cs, cert, si.signature, nil); err != nil {
			return nil, nil, newProblem(ErrBadTimestamp, err, "countersignature")
		}
		t := signingTime(cs)
		if t.IsZero() {
			return nil, nil, newProblem(ErrBadTimestamp, nil, "countersignature without a signing time")
		}
		if t.Before(cert.NotBefore) || t.After(cert.NotAfter) {
			return nil, nil, newProblem(ErrBadTimestamp, nil, "timestamp authority %q is not valid at %s", FormatName(cert.Subject), t.Format(time.RFC3339))
		}
		return &Timestamp{Time: t, Hash: cs.digest, Signer: cert}, nil, nil
	}
	return nil, nil, nil
}

// verifyToken verifies an RFC 3161 TimeStampToken over signature (the
// primary signer's signature value).
func verifyToken(p *parser, token, signature []byte, outer []*x509.Certificate) (*Timestamp, []*x509.Certificate, error) {
	td, err := p.parseSignedData(token)
	if err != nil {
		return nil, nil, newProblem(ErrBadTimestamp, err, "RFC 3161 token")
	}
	if !td.contentType.Equal(oidTSTInfo) {
		return nil, nil, newProblem(ErrBadTimestamp, nil, "RFC 3161 token holds %s, not TSTInfo", oidText(td.contentType))
	}
	tsi := td.signers[0]
	cert := findSigner(td.certs, tsi)
	if cert == nil {
		cert = findSigner(outer, tsi)
	}
	if cert == nil {
		return nil, nil, newProblem(ErrBadTimestamp, nil, "the timestamp authority's certificate is not in the token")
	}
	if err := checkSignerInfo(tsi, cert, td.content, oidTSTInfo); err != nil {
		return nil, nil, newProblem(ErrBadTimestamp, err, "RFC 3161 token")
	}
	info, err := p.parseTSTInfo(td.content)
	if err != nil {
		return nil, nil, newProblem(ErrBadTimestamp, err, "RFC 3161 token")
	}
	h, ok := hashOf(info.imprint.HashAlgorithm.Algorithm)
	if !ok || !h.Available() {
		return nil, nil, newProblem(ErrBadTimestamp, nil, "unsupported imprint algorithm %s", oidText(info.imprint.HashAlgorithm.Algorithm))
	}
	d := h.New()
	d.Write(signature)
	if !bytes.Equal(d.Sum(nil), info.imprint.HashedMessage) {
		return nil, nil, newProblem(ErrBadTimestamp, nil, "the token's imprint is not the hash of this signature")
	}
	if info.genTime.Before(cert.NotBefore) || info.genTime.After(cert.NotAfter) {
		return nil, nil, newProblem(ErrBadTimestamp, nil, "timestamp authority %q is not valid at %s", FormatName(cert.Subject), info.genTime.Format(time.RFC3339))
	}
	return &Timestamp{RFC3161: true, Time: info.genTime, Hash: h, Signer: cert}, td.certs, nil
}

// parseTSTInfo decodes the fields of a TSTInfo this package uses.
func (p *parser) parseTSTInfo(b []byte) (*tstInfo, error) {
	var seq asn1.RawValue
	if _, err := p.unmarshal(b, &seq, true, "TSTInfo"); err != nil {
		return nil, err
	}
	els, err := p.elements(seq.Bytes, 16, "TSTInfo fields")
	if err != nil {
		return nil, err
	}
	if len(els) < 5 {
		return nil, p.errf(b, nil, "TSTInfo has %d fields, want at least 5", len(els))
	}
	info := &tstInfo{}
	if _, err := p.unmarshal(els[2].FullBytes, &info.imprint, true, "TSTInfo messageImprint"); err != nil {
		return nil, err
	}
	if _, err := asn1.UnmarshalWithParams(els[4].FullBytes, &info.genTime, "generalized"); err != nil {
		return nil, p.errf(els[4].FullBytes, err, "bad TSTInfo genTime")
	}
	info.genTime = info.genTime.UTC()
	for _, e := range els[5:] {
		if e.Class == asn1.ClassUniversal && e.Tag == asn1.TagInteger {
			info.nonce = new(big.Int)
			if _, err := asn1.Unmarshal(e.FullBytes, &info.nonce); err != nil {
				return nil, p.errf(e.FullBytes, err, "bad TSTInfo nonce")
			}
		}
	}
	return info, nil
}

// RFC 3161 request and response.

type timeStampReq struct {
	Version        int
	MessageImprint messageImprint
	Nonce          *big.Int `asn1:"optional"`
	CertReq        bool     `asn1:"optional"`
}

type pkiStatusInfo struct {
	Status int
	Rest   asn1.RawValue `asn1:"optional"`
}

type timeStampResp struct {
	Status pkiStatusInfo
	Token  asn1.RawValue `asn1:"optional"`
}

// maxTimestampResponse bounds the timestamp authority's reply.
const maxTimestampResponse = 1 << 20

// requestTimestamp asks the RFC 3161 authority at url for a token over
// signature, hashed with h, and checks the reply before returning the
// token (a ContentInfo).
func requestTimestamp(ctx context.Context, client *http.Client, url string, h crypto.Hash, signature []byte) ([]byte, error) {
	d := h.New()
	d.Write(signature)
	nonce, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 63))
	if err != nil {
		return nil, err
	}
	req := timeStampReq{Version: 1, MessageImprint: messageImprint{
		HashAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oidOf(h), Parameters: asn1.NullRawValue},
		HashedMessage: d.Sum(nil)}, Nonce: nonce, CertReq: true}
	body, err := asn1.Marshal(req)
	if err != nil {
		return nil, err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("authenticode: timestamp: %w", err)
	}
	hr.Header.Set("Content-Type", "application/timestamp-query")
	if client == nil {
		client = &http.Client{Timeout: time.Minute}
	}
	resp, err := client.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("authenticode: timestamp: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("authenticode: timestamp: %s answered %s", url, resp.Status)
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxTimestampResponse+1))
	if err != nil {
		return nil, fmt.Errorf("authenticode: timestamp: reading the reply: %w", err)
	}
	if len(raw) > maxTimestampResponse {
		return nil, fmt.Errorf("authenticode: timestamp: reply larger than %d bytes", maxTimestampResponse)
	}
	var tr timeStampResp
	if rest, err := asn1.Unmarshal(raw, &tr); err != nil || len(rest) > 0 {
		if err == nil {
			err = errors.New("trailing data")
		}
		return nil, fmt.Errorf("authenticode: timestamp: bad reply: %w", err)
	}
	if tr.Status.Status > 1 { // 0 granted, 1 granted with modifications
		return nil, fmt.Errorf("authenticode: timestamp: request refused (PKIStatus %d)", tr.Status.Status)
	}
	if len(tr.Token.FullBytes) == 0 {
		return nil, errors.New("authenticode: timestamp: reply holds no token")
	}
	token := tr.Token.FullBytes
	p := &parser{base: token, stream: "timestamp reply"}
	if _, _, err := verifyToken(p, token, signature, nil); err != nil {
		return nil, fmt.Errorf("authenticode: timestamp: %w", err)
	}
	td, err := p.parseSignedData(token) // decoded once already by verifyToken
	if err != nil {
		return nil, err
	}
	info, err := p.parseTSTInfo(td.content)
	if err != nil {
		return nil, err
	}
	if info.nonce == nil || info.nonce.Cmp(nonce) != 0 {
		return nil, errors.New("authenticode: timestamp: the token's nonce is not the request's")
	}
	return token, nil
}
