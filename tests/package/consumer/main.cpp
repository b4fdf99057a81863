// Built against an installed keychroma: proves the headers and the package config are complete.
#include <cstdio>

#include <keychroma/keychroma.hpp>

int main() {
    const keychroma::srgb8_lightness lightness;
    const double white = lightness(255, 255, 255);
    // White is L* = 100 by definition; anything else means the install is broken.
    if (white < 99.99 || white > 100.01) {
        std::printf("unexpected L* of white: %f\n", white);
        return 1;
    }
    std::printf("keychroma %s: L*(white) = %.4f\n", keychroma::version, white);
    return 0;
}
