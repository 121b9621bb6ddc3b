"""Resource quantities as the API writes them, and as kubectl top shows them."""

from __future__ import annotations

from decimal import Decimal
from unittest import TestCase

from k8stools.quantities import (
    MEBIBYTE,
    bytes_of,
    format_mebibytes,
    format_millicores,
    millicores,
    parse_quantity,
    percent,
)


class ParseQuantityTests(TestCase):
    def test_it_reads_decimal_suffixes(self) -> None:
        self.assertEqual(parse_quantity("250m"), Decimal("0.25"))
        self.assertEqual(parse_quantity("12345n"), Decimal("0.000012345"))
        self.assertEqual(parse_quantity("5u"), Decimal("0.000005"))
        self.assertEqual(parse_quantity("2k"), Decimal(2000))
        self.assertEqual(parse_quantity("1M"), Decimal(1_000_000))
        self.assertEqual(parse_quantity("3G"), Decimal(3_000_000_000))

    def test_it_reads_binary_suffixes(self) -> None:
        self.assertEqual(parse_quantity("128Mi"), 128 * MEBIBYTE)
        self.assertEqual(parse_quantity("1Gi"), 1024 * MEBIBYTE)
        self.assertEqual(parse_quantity("1.5Ki"), 1536)
        self.assertEqual(parse_quantity("2Ti"), 2 * 2**40)

    def test_it_reads_plain_numbers_and_exponents(self) -> None:
        self.assertEqual(parse_quantity("2"), 2)
        self.assertEqual(parse_quantity("0.5"), Decimal("0.5"))
        self.assertEqual(parse_quantity("1e3"), 1000)
        self.assertEqual(parse_quantity("1E-3"), Decimal("0.001"))
        self.assertEqual(parse_quantity(4), 4)

    def test_a_capital_e_alone_is_the_exa_suffix(self) -> None:
        self.assertEqual(parse_quantity("1E"), Decimal(10) ** 18)

    def test_it_refuses_text_that_is_not_a_quantity(self) -> None:
        for text in ("", "abc", "12Mb", "1e", "m", "1.2.3", "--1"):
            with self.subTest(text=text), self.assertRaisesRegex(ValueError, "not a quantity"):
                parse_quantity(text)


class KubectlTopFormTests(TestCase):
    def test_cpu_is_shown_in_millicores_rounded_up(self) -> None:
        self.assertEqual(millicores("250m"), 250)
        self.assertEqual(millicores("1"), 1000)
        self.assertEqual(millicores("12345n"), 1)  # 0.012345 millicores: kubectl shows 1m, not 0m
        self.assertEqual(millicores("1500000000n"), 1500)
        self.assertEqual(millicores("0"), 0)
        self.assertEqual(format_millicores(millicores("3500m")), "3500m")

    def test_memory_is_shown_in_whole_mebibytes(self) -> None:
        self.assertEqual(format_mebibytes(bytes_of("128Mi")), "128Mi")
        self.assertEqual(format_mebibytes(bytes_of("1Gi")), "1024Mi")
        self.assertEqual(format_mebibytes(bytes_of("13572Ki")), "13Mi")
        self.assertEqual(format_mebibytes(bytes_of("100M")), "95Mi")

    def test_percentages_are_whole_and_unknown_without_capacity(self) -> None:
        self.assertEqual(percent(250, 1000), "25%")
        self.assertEqual(percent(999, 1000), "99%")
        self.assertEqual(percent(10, 0), "<unknown>")
