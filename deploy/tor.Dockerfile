# Tor for the optional onion service (docker-compose.yml, profile "onion"): Debian's tor,
# run as its own unprivileged user. The folders exist in the image, owned by that user, so
# the named volume mounted on /var/lib/tor/raidwatch starts with the right owner and mode.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends tor \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /var/lib/tor/data /var/lib/tor/raidwatch \
    && chown -R debian-tor:debian-tor /var/lib/tor \
    && chmod 700 /var/lib/tor/data /var/lib/tor/raidwatch
USER debian-tor
CMD ["tor", "-f", "/etc/tor/torrc"]
