"""`collection_paused`: the cyclic collector is off inside, back on after the last holder, untouched if it was off."""

from __future__ import annotations

import gc
import threading

from django.test import SimpleTestCase

from k8stools.gcpause import collection_paused


class CollectionPausedTests(SimpleTestCase):
    def setUp(self) -> None:
        self.addCleanup(gc.enable)
        gc.enable()

    def test_the_collector_is_off_inside_and_on_after(self) -> None:
        with collection_paused():
            self.assertFalse(gc.isenabled())
        self.assertTrue(gc.isenabled())

    def test_it_is_back_on_after_an_exception(self) -> None:
        with self.assertRaises(ValueError), collection_paused():
            raise ValueError("decoding failed")
        self.assertTrue(gc.isenabled())

    def test_overlapping_threads_share_one_pause_until_the_last_leaves(self) -> None:
        inside, leave = threading.Event(), threading.Event()

        def other() -> None:
            with collection_paused():
                inside.set()
                leave.wait(10)

        thread = threading.Thread(target=other)
        thread.start()
        self.assertTrue(inside.wait(10))
        with collection_paused():
            self.assertFalse(gc.isenabled())
        self.assertFalse(gc.isenabled(), "the other thread is still inside")
        leave.set()
        thread.join(10)
        self.assertTrue(gc.isenabled())

    def test_a_collector_turned_off_elsewhere_stays_off(self) -> None:
        gc.disable()
        with collection_paused():
            self.assertFalse(gc.isenabled())
        self.assertFalse(gc.isenabled())
