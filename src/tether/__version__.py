"""Version metadata, with the same names as ``requests.__version__``.

``__version__`` and ``__build__`` state the requests API level tether implements,
because third-party libraries compare them with requests' (``requests.__version__ <
"2.0.0"``, ``requests.__build__ >= 0x020500``). tether's own release number is
``__tether_version__``; it is what the package metadata and the User-Agent carry.
"""

__title__ = "tether"
__description__ = "Python HTTP for Humans, on a Session that keeps its promises."
__url__ = "https://github.com/tether-http/tether"
__version__ = "2.34.0"
__build__ = 0x023400
__tether_version__ = "0.1.0"
__author__ = "The tether developers"
__author_email__ = "tether@invalid"
__license__ = "Apache-2.0"
__copyright__ = "Copyright The tether developers"
__cake__ = "\u2728 \U0001f370 \u2728"
