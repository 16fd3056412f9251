/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The retained documents the lobby screens read (docs/mqtt.md, docs/lobby.md):
 * B/presence, who is here, and B/lobby, what the space shows of itself
 * ([lobby] of the configuration) and whether the clock can be trusted.
 * Pure but for the logo's file: mqtt.c publishes what these build.
 */
#ifndef SEUIL_MQTT_LOBBY_H
#define SEUIL_MQTT_LOBBY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "mqtt.h"

/* B/presence: {"count","people":[{"name","since"}],"anonymous","updated"};
 * people lists those with a name, oldest arrival first.  Malloc'd text,
 * NULL when out of memory. */
char *mqtt_presence_json(const struct presence_person *people, int count, int64_t now_ms);

/*
 * The [lobby] logo as a data URL ("data:image/png;base64,…"), in *url
 * (malloc'd; NULL when path is ""): a regular file, not a link, of at
 * most CONFIG_LOBBY_LOGO_MAX bytes, a PNG, JPEG, GIF, WebP or SVG image
 * by its first bytes.  The screens fetch nothing: the image travels in
 * the document.  0, or -1 with err naming the file and what is wrong
 * (seuild then logs it and publishes no logo).
 */
int mqtt_lobby_logo(const char *path, char **url, char *err, size_t errlen);

/* B/lobby: {"title","message","logo","colour_background","colour_text",
 * "clock_synced","updated"}, null for what [lobby] leaves empty.
 * Malloc'd text, NULL when out of memory. */
char *mqtt_lobby_json(const struct config *conf, const char *logo_url, bool clock_synced,
    int64_t now_ms);

#endif
