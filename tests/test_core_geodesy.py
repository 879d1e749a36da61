"""core.geodesy: the one haversine agrees with the sphere embedding and with the copy it replaces."""

import numpy as np
import pytest

from core.geodesy import EARTH_RADIUS_M, chord_to_arc_m, haversine_m, local_projection, sphere_xyz


def _points(n=500, seed=0):
    rng = np.random.default_rng(seed)  # labelled synthetic: random points over Japan's extent
    return rng.uniform(122, 154, n), rng.uniform(20, 46, n), rng.uniform(122, 154, n), rng.uniform(20, 46, n)


def test_one_degree_of_meridian_and_zero():
    assert haversine_m(140.0, 35.0, 140.0, 36.0) == pytest.approx(np.pi / 180 * EARTH_RADIUS_M)
    assert haversine_m(140.0, 35.0, 140.0, 35.0) == 0.0


def test_chord_of_sphere_embedding_equals_haversine():
    lon1, lat1, lon2, lat2 = _points()
    chord = np.linalg.norm(sphere_xyz(lon1, lat1) - sphere_xyz(lon2, lat2), axis=1)
    np.testing.assert_allclose(chord_to_arc_m(chord), haversine_m(lon1, lat1, lon2, lat2), rtol=1e-9, atol=1e-6)


def test_local_projection_round_trip_and_scale():
    fwd, inv = local_projection(130.7, 32.8)
    x, y = fwd(np.array([130.75, 130.6]), np.array([32.85, 32.7]))
    lon, lat = inv(x, y)
    np.testing.assert_allclose(lon, [130.75, 130.6])
    np.testing.assert_allclose(lat, [32.85, 32.7])
    # within ~10 km of the centre the projection is within 0.1 % of the great circle
    d = np.hypot(x, y)
    np.testing.assert_allclose(d, haversine_m(130.7, 32.8, [130.75, 130.6], [32.85, 32.7]), rtol=1e-3)
