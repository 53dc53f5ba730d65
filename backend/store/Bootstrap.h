// Base images without a registry: a busybox rootfs from the host's busybox-static, or a Debian
// rootfs from debootstrap against the host's configured mirror, imported as tagged images.
#pragma once

#include "backend/store/ImageStore.h"

#include <llvm/ADT/StringRef.h>
#include <llvm/Support/Error.h>

#include <string>

namespace dfc::store {

// Builds / (busybox + applet symlinks from `busybox --list-full`, /etc/passwd, /etc/group, /tmp,
// /root, /dev, /proc, /sys) with Cmd ["sh"] and a PATH. mtimes are clamped to SOURCE_DATE_EPOCH,
// else to the busybox binary's mtime, so the same host always gives the same image id.
llvm::Expected<ResolvedImage> bootstrapBusybox(ImageStore &store, llvm::StringRef name = "busybox:latest",
                                               llvm::StringRef busybox = "/bin/busybox");

// The first http(s) Debian mirror in /etc/apt/sources.list(.d) (one-line and deb822 formats),
// or "http://deb.debian.org/debian" when none is configured.
std::string hostDebianMirror(llvm::StringRef etcApt = "/etc/apt");

// Runs `debootstrap --variant=minbase SUITE DIR MIRROR` (installing debootstrap with apt-get when
// missing) and imports DIR as NAME with Cmd ["bash"]. Needs root and the network to the mirror.
llvm::Expected<ResolvedImage> bootstrapDebian(ImageStore &store, llvm::StringRef name,
                                              llvm::StringRef suite = "bookworm",
                                              llvm::StringRef mirror = "");

} // namespace dfc::store
