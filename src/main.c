// SPDX-License-Identifier: GPL-2.0-or-later
/* PLACEHOLDER */
int main(void) { return 1; }
