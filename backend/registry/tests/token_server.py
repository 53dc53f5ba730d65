#!/usr/bin/python3
# A Docker registry token server for the token-auth tests: checks Basic credentials, grants the
# intersection of the requested scopes and the user's rights, signs RS256 JWTs with x5c.
#
# Usage: token_server.py PORT DIR ISSUER SERVICE
# Writes DIR/root.crt (the registry's rootcertbundle) before it listens, and appends one JSON line
# per token request to DIR/requests.log: {"user", "scopes", "granted", "status"}.
# Users: alice:wonderland may pull and push everywhere; bob:builder may only pull; anonymous
# requests may pull repositories under public/. bob's answers carry only "access_token" (as an
# OAuth2 server's do), everyone else's only "token", so clients must read both.
import base64
import datetime
import json
import os
import sys
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

USERS = {"alice": ("wonderland", {"pull", "push"}), "bob": ("builder", {"pull"})}


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_key_and_cert(directory):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dfc test token issuer")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    tmp = os.path.join(directory, "root.crt.tmp")
    with open(tmp, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    os.rename(tmp, os.path.join(directory, "root.crt"))
    return key, base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def allowed(user, repository):
    if user is None:
        return {"pull"} if repository.startswith("public/") else set()
    return USERS[user][1]


def main():
    port, directory, issuer, service = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    key, cert_b64 = make_key_and_cert(directory)
    log_path = os.path.join(directory, "requests.log")

    def sign(claims):
        header = {"typ": "JWT", "alg": "RS256", "x5c": [cert_b64]}
        signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return signing_input + "." + b64url(signature)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def answer(self, status, body, headers=()):
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def record(self, user, scopes, granted, status):
            line = json.dumps({"user": user, "scopes": scopes, "granted": granted, "status": status})
            with open(log_path, "a") as f:
                f.write(line + "\n")

        def do_GET(self):
            url = urlparse(self.path)
            query = parse_qs(url.query)
            scopes = query.get("scope", [])
            if url.path != "/token":
                return self.answer(404, {"details": "no such endpoint"})
            if query.get("service", [""])[0] != service:
                self.record(None, scopes, [], 400)
                return self.answer(400, {"details": "unknown service"})
            user = None
            auth = self.headers.get("Authorization", "")
            if auth:
                scheme, _, value = auth.partition(" ")
                name, _, password = base64.b64decode(value).decode().partition(":")
                if scheme.lower() != "basic" or name not in USERS or USERS[name][0] != password:
                    self.record(name, scopes, [], 401)
                    return self.answer(401, {"details": "incorrect username or password"},
                                       [("WWW-Authenticate", 'Basic realm="dfc token server"')])
                user = name
            access = []
            for scope in scopes:
                kind, _, rest = scope.partition(":")
                repository, _, actions = rest.rpartition(":")
                granted = sorted(set(actions.split(",")) & allowed(user, repository)) if kind == "repository" else []
                if granted:
                    access.append({"type": kind, "name": repository, "actions": granted})
            now = int(time.time())
            token = sign({"iss": issuer, "sub": user or "", "aud": service, "exp": now + 300, "nbf": now - 10,
                          "iat": now, "jti": str(uuid.uuid4()), "access": access})
            self.record(user, scopes, access, 200)
            field = "access_token" if user == "bob" else "token"
            self.answer(200, {field: token, "expires_in": 300,
                              "issued_at": datetime.datetime.now(datetime.timezone.utc).isoformat()})

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    main()
